from pathlib import Path

from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.download import download_file  # noqa: E402

download_file(f"{snakemake.wildcards.dataset} database file", snakemake.params.spec, snakemake.output[0],
              downloads_dir=Path(snakemake.params.downloads))
