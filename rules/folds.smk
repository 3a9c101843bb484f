# light: tables of numbers, run on the submitting node
localrules:
    evaluate,
    tables,
    summary,


rule train_fold:
    input:
        unpack(STUDY.fold_inputs),
    output:
        predictions="results/{benchmark}/{variant}/fold{fold}/predictions.csv",
        history="results/{benchmark}/{variant}/fold{fold}/history.csv",
    log:
        "logs/train_fold/{benchmark}/{variant}/fold{fold}.log",
    benchmark:
        "results/benchmarks/train_fold/{benchmark}/{variant}/fold{fold}.tsv"
    conda:
        "../envs/main.yaml"
    threads: STUDY.threads("train_fold")
    resources:
        **STUDY.resources("train_fold"),
    params:
        # settings, what the model records, and the resume state's folder (not an output, so
        # Snakemake's cleanup of a killed job keeps it)
        job=STUDY.fold_job,
    script:
        "../workflow_scripts/train.py"


# The same job for the folds whose model is kept (benchmarks.<name>.keep_models): the model is
# one more output. {kept} is "<benchmark>/<variant>/fold<k>", limited to the kept folds.
use rule train_fold as train_fold_kept with:
    input:
        unpack(STUDY.kept_fold_inputs),
    output:
        predictions="results/{kept}/predictions.csv",
        history="results/{kept}/history.csv",
        model="results/{kept}/model.keras",
    log:
        "logs/train_fold/{kept}.log",
    benchmark:
        "results/benchmarks/train_fold/{kept}.tsv"
    resources:
        **STUDY.resources("train_fold_kept"),
    params:
        job=STUDY.kept_fold_job,


ruleorder: train_fold_kept > train_fold


rule evaluate:
    input:
        split="results/splits/{benchmark}.csv",
        predictions=STUDY.fold_predictions,
    output:
        metrics="results/{benchmark}/{variant}/metrics.csv",
        confusion="results/{benchmark}/{variant}/confusion.csv",
    log:
        "logs/evaluate/{benchmark}/{variant}.log",
    conda:
        "../envs/main.yaml"
    params:
        folds=STUDY.evaluated_folds,
        class_names=STUDY.class_names,
    script:
        "../workflow_scripts/evaluate.py"


rule tables:
    input:
        STUDY.table_inputs(),
    output:
        **table_outputs(),
        provenance="results/provenance.json",
    log:
        "logs/tables.log",
    conda:
        "../envs/main.yaml"
    params:
        results=STUDY.table_results(),
        label_spaces=STUDY.label_spaces(),
        reports=STUDY.prepare_reports(),
        config=config,
        workflow_dir=CheckoutPath(workflow.basedir),  # for the git commit; not a recorded param
    script:
        "../workflow_scripts/tables.py"


rule summary:
    input:
        STUDY.table_inputs(),
        STUDY.unified.targets_all(),
        table4="results/tables/table4_fgnet.csv",
    output:
        report(
            "results/summary.txt", caption="../report/summary.rst", category="Summary"
        ),
    log:
        "logs/summary.log",
    conda:
        "../envs/main.yaml"
    params:
        results=STUDY.table_results(),
        label_spaces=STUDY.label_spaces(),
        reports=STUDY.prepare_reports(),
        choices=STUDY.choices(),
        unified=STUDY.unified.tables(),
    script:
        "../workflow_scripts/summary.py"
