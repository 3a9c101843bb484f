from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.data.unified import write_unified_split  # noqa: E402

write_unified_split(snakemake.wildcards.dataset, snakemake.input.manifest, snakemake.input.database,
                    snakemake.output.split, snakemake.output.report)
