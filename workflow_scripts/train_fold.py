from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.fold_training import train_fold  # noqa: E402

train_fold(
    **snakemake.params.job,
    store=snakemake.input.store,
    split_csv=snakemake.input.split,
    labels=snakemake.input.labels,
    start=snakemake.input.get("start"),
    settings=snakemake.params.settings,
    predictions_path=snakemake.output.predictions,
    history_path=snakemake.output.history,
    backup_dir=snakemake.params.backup,
    image_size=snakemake.params.image_size,
    margin=snakemake.params.margin,
    gridsearch=snakemake.input.get("gridsearch"),
    threads=snakemake.threads,
    model_path=snakemake.params.model,
)
