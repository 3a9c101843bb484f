# light: tables of numbers, run on the submitting node
localrules:
    evaluate,


rule train_fold:
    input:
        unpack(STUDY.folds.inputs),
    output:
        predictions=paths.FOLD_PREDICTIONS,
        history=paths.FOLD_HISTORY,
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
        job=STUDY.folds.job,
        runtime=STUDY.run_options,
    script:
        "../workflow_scripts/train.py"


# The same job for the folds whose model is kept (benchmarks.<name>.keep_models): the model is
# one more output. {kept} is "<benchmark>/<variant>/fold<k>", limited to the kept folds.
use rule train_fold as train_fold_kept with:
    input:
        unpack(STUDY.folds.kept_inputs),
    output:
        predictions=paths.KEPT_PREDICTIONS,
        history=paths.KEPT_HISTORY,
        model=paths.KEPT_MODEL,
    log:
        "logs/train_fold/{kept}.log",
    benchmark:
        "results/benchmarks/train_fold/{kept}.tsv"
    resources:
        **STUDY.resources("train_fold_kept"),
    params:
        job=STUDY.folds.kept_job,
        runtime=STUDY.run_options,


ruleorder: train_fold_kept > train_fold


rule evaluate:
    input:
        split=paths.SPLIT_TABLE.replace("{split}", "{benchmark}"),
        predictions=STUDY.folds.predictions,
        manifest=STUDY.folds.manifest,
    output:
        metrics=paths.VARIANT_METRICS,
        confusion=paths.VARIANT_CONFUSION,
        groups=paths.VARIANT_GROUPS,
    log:
        "logs/evaluate/{benchmark}/{variant}.log",
    conda:
        "../envs/main.yaml"
    params:
        folds=STUDY.folds.evaluated_folds,
        class_names=STUDY.folds.class_names,
    script:
        "../workflow_scripts/evaluate.py"
