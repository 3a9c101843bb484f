from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.gridsearch import grid_point  # noqa: E402

grid_point(
    **snakemake.params.job,
    store=snakemake.input.store,
    split_csv=snakemake.input.split,
    labels=snakemake.input.labels,
    start=snakemake.input.get("start"),
    settings=snakemake.params.settings,
    output=snakemake.output[0],
    workdir=snakemake.params.workdir,
    image_size=snakemake.params.image_size,
    threads=snakemake.threads,
)
