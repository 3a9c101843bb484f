from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.unified_results import write_unified_table  # noqa: E402

write_unified_table(snakemake.wildcards.dataset, dict(snakemake.input.items()), dict(snakemake.params.contexts),
                    snakemake.output.table)
