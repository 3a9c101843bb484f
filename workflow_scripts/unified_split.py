from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.data.benchmark import dataset_protocol  # noqa: E402
from agecascade.data.unified import write_unified_split  # noqa: E402

dataset = snakemake.wildcards.dataset
protocol = dataset_protocol(dataset, snakemake.input.get("benchmark"), snakemake.params.tags, snakemake.params.splits)
write_unified_split(dataset, {**snakemake.input, **snakemake.output}, protocol)
