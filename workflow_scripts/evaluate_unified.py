from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.unified_results import evaluate_unified  # noqa: E402

evaluate_unified(
    dict(zip(snakemake.params.splits, snakemake.input.predictions)),
    split_csv=snakemake.input.split,
    metrics_path=snakemake.output.metrics,
    by_age_path=snakemake.output.by_age,
    groups=(dict(zip(snakemake.params.tested_on, snakemake.input.manifests)), snakemake.output.groups),
)
