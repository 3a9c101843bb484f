from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.benchmark import train_fold  # noqa: E402

train_fold(
    **snakemake.params.job,
    store=snakemake.input.store,
    split_csv=snakemake.input.split,
    start=snakemake.input.get("start"),
    settings=snakemake.params.settings,
    predictions_path=snakemake.output.predictions,
    history_path=snakemake.output.history,
    backup_dir=snakemake.params.backup,
    image_size=snakemake.params.image_size,
    threads=snakemake.threads,
    class_names=snakemake.params.class_names,
    model_path=snakemake.params.model,
)
