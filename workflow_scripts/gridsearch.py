from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.gridsearch import grid_point  # noqa: E402

grid_point(snakemake.params.job, snakemake.input, snakemake.output[0], snakemake.threads, snakemake.params.runtime)
