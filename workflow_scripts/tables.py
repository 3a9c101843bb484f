from agecascade.logs import log_to

log_to(snakemake.log[0])

from agecascade.tables import write_tables  # noqa: E402

write_tables(
    snakemake.params.results,
    inputs={"label_spaces": snakemake.params.label_spaces, "reports": snakemake.params.reports,
            "choices": snakemake.params.choices},
    outputs={name: path for name, path in snakemake.output.items() if name != "provenance"},
    config=snakemake.params.config,
    workflow_dir=snakemake.params.workflow_dir,
    provenance_path=snakemake.output.provenance,
)
