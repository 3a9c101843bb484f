from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.training import train_stage  # noqa: E402

train_stage(
    snakemake.wildcards.backbone,
    snakemake.wildcards.chain,
    store=snakemake.input.store,
    split_csv=snakemake.input.split,
    labels=snakemake.input.labels,
    start=snakemake.input.get("start"),
    settings=snakemake.params.settings,
    model_path=snakemake.output.model,
    history_path=snakemake.output.history,
    backup_dir=snakemake.params.backup,
    image_size=snakemake.params.image_size,
    margin=snakemake.params.margin,
    threads=snakemake.threads,
    gridsearch=snakemake.input.get("gridsearch"),
)
