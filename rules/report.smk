# The report: the paper's tables (thesis value beside ours), the provenance record and the
# one-screen summary; light, run on the submitting node.
localrules:
    tables,
    summary,


rule tables:
    input:
        STUDY.reports.table_inputs(),
    output:
        **table_outputs(),
        provenance=paths.PROVENANCE,
    log:
        "logs/tables.log",
    conda:
        "../envs/main.yaml"
    params:
        results=STUDY.reports.table_results(),
        label_spaces=STUDY.data.label_spaces(),
        reports=STUDY.data.prepare_reports(),
        choices=STUDY.reports.choices(),
        config=config,
        workflow_dir=CheckoutPath(workflow.basedir),  # for the git commit; not a recorded param
    script:
        "../workflow_scripts/tables.py"


rule summary:
    input:
        STUDY.reports.table_inputs(),
        STUDY.unified.targets_all(),
        table4=paths.TABLE4,
    output:
        report(paths.SUMMARY, caption="../report/summary.rst", category="Summary"),
    log:
        "logs/summary.log",
    conda:
        "../envs/main.yaml"
    params:
        results=STUDY.reports.table_results(),
        label_spaces=STUDY.data.label_spaces(),
        reports=STUDY.data.prepare_reports(),
        choices=STUDY.reports.choices(),
        unified=STUDY.unified.tables(),
    script:
        "../workflow_scripts/summary.py"
