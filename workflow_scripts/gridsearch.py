from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.training import stage_grid_search  # noqa: E402

stage_grid_search(
    snakemake.wildcards.backbone,
    store=snakemake.input.store,
    split_csv=snakemake.input.split,
    parent=snakemake.input.get("parent"),
    settings=snakemake.params.settings,
    grid=snakemake.params.grid,
    image_size=snakemake.params.image_size,
    output=snakemake.output[0],
    workdir=snakemake.params.workdir,
)
