from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.evaluation import evaluate  # noqa: E402

evaluate(
    dict(zip(snakemake.params.folds, snakemake.input.predictions)),
    split_csv=snakemake.input.split,
    metrics_path=snakemake.output.metrics,
    confusion_path=snakemake.output.get("confusion"),
    class_names=snakemake.params.class_names,
    groups=(snakemake.input.get("manifest"), snakemake.output.get("groups")),
)
