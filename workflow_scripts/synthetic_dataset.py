from pathlib import Path

from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.data.synthetic import write_archive  # noqa: E402

write_archive(
    snakemake.wildcards.dataset,
    snakemake.params.spec,
    Path(snakemake.output.archive),
    seed=snakemake.params.seed,
)
