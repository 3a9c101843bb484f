from pathlib import Path

from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.download import database_file_spec, download_file  # noqa: E402

# params.spec is the source without credentials (it is recorded in Snakemake's metadata)
kind = snakemake.params.file  # "protocol" (the database file) or "benchmark" (the benchmark file)
download_file(f"{snakemake.wildcards.dataset} {kind} file",
              database_file_spec(snakemake.config["datasets"][snakemake.wildcards.dataset], kind), snakemake.output[0],
              downloads_dir=Path(snakemake.params.downloads))
