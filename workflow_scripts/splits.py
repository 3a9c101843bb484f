from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.data.folds import write_split  # noqa: E402

write_split(
    snakemake.wildcards.split,
    snakemake.params.spec,
    snakemake.input.manifest,
    snakemake.output.split,
    snakemake.output.labels,
    seed=snakemake.params.seed,
)
