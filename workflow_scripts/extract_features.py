from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.features import extract_features  # noqa: E402

extract_features(
    snakemake.wildcards.extractor,
    snakemake.wildcards.layer,
    store=snakemake.input.store,
    out_path=snakemake.output[0],
    start=snakemake.input.get("start"),
    image_size=snakemake.params.image_size,
    seed=snakemake.params.seed,
    threads=snakemake.threads,
)
