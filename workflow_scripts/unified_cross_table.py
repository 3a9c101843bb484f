from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.unified_results import write_cross_matrix  # noqa: E402

write_cross_matrix(dict(snakemake.input.items()), snakemake.output.table)
