from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.data.prepare import PrepareOptions, prepare_dataset  # noqa: E402

prepare_dataset(
    snakemake.wildcards.dataset,
    snakemake.input.marker,
    snakemake.output.store,
    snakemake.output.manifest,
    snakemake.output.report,
    PrepareOptions(**snakemake.params.options),
    threads=snakemake.threads,
    parsing={**snakemake.params.parsing, "database": snakemake.input.get("database")},
)
