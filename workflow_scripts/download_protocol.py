from pathlib import Path

from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.download import database_file_spec, download_file  # noqa: E402

# params.spec is the source without credentials (it is recorded in Snakemake's metadata)
download_file(f"{snakemake.wildcards.dataset} database file",
              database_file_spec(snakemake.config["datasets"][snakemake.wildcards.dataset]), snakemake.output[0],
              downloads_dir=Path(snakemake.params.downloads))
