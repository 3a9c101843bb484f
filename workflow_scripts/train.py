from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.training import train_from_rule  # noqa: E402

train_from_rule(snakemake.params.job, snakemake.input, snakemake.output, snakemake.threads,
                snakemake.params.runtime)
