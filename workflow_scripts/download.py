from pathlib import Path

from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.download import download_dataset  # noqa: E402

# params.spec is the entry without credentials (it is recorded in Snakemake's metadata)
download_dataset(
    snakemake.wildcards.dataset,
    snakemake.config["datasets"][snakemake.wildcards.dataset],
    raw_dir=Path(snakemake.output.marker).parent,
    downloads_dir=Path(snakemake.params.downloads),
)
