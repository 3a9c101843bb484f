from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.tables import write_summary  # noqa: E402

write_summary(snakemake.params.results, snakemake.params.label_spaces, snakemake.params.reports, snakemake.output[0],
              snakemake.params.choices, snakemake.params.unified)
