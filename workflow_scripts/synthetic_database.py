from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.data.synthetic import write_database  # noqa: E402

write_database(snakemake.wildcards.dataset, snakemake.input[0], snakemake.output[0])
