from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.grid_choice import grid_choice  # noqa: E402

grid_choice(list(snakemake.input), snakemake.output[0])
