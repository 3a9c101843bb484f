from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.data.synthetic import write_benchmark_file  # noqa: E402

write_benchmark_file(snakemake.params.tag, dict(snakemake.params.others), snakemake.output[0])
