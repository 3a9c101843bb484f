from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.tables import write_tables_from_inputs  # noqa: E402

write_tables_from_inputs(
    dict(snakemake.input.items()),
    out_dir="results/tables",
    config=snakemake.params.config,
    workflow_dir=snakemake.params.workflow_dir,
    provenance_path=snakemake.output.provenance,
)
