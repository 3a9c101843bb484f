# The unified benchmark (Paplham & Franc, CVPR 2024; benchmarks.unified): one GPU job per (dataset,
# variant, split), trained on the split's trn folders, the epoch with the lowest validation MAE kept,
# tested on its tst folders and on every picture of the other datasets with a database file.
# Partial reruns: `snakemake results/unified/agedb/vgg16-imdb/split3/predictions.csv`.
localrules:
    evaluate_unified,
    unified_table,
    unified_cross_table,


rule train_unified:
    input:
        unpack(STUDY.unified.train_inputs),
    output:
        predictions=paths.UNIFIED_PREDICTIONS,
        history=paths.UNIFIED_HISTORY,
    log:
        "logs/train_unified/{dataset}/{variant}/split{protocol_split}.log",
    benchmark:
        "results/benchmarks/train_unified/{dataset}/{variant}/split{protocol_split}.tsv"
    conda:
        "../envs/main.yaml"
    threads: STUDY.threads("train_unified")
    resources:
        **STUDY.resources("train_unified"),
    params:
        # settings, what the model records, the cross-dataset test sets, and the resume state's
        # folder (not an output, so Snakemake's cleanup of a killed job keeps it)
        job=STUDY.unified.train_job,
        runtime=STUDY.run_options,
    script:
        "../workflow_scripts/train.py"


rule evaluate_unified:
    input:
        split=paths.UNIFIED_SPLIT,
        predictions=STUDY.unified.predictions,
        manifests=STUDY.unified.manifests,
    output:
        metrics=paths.UNIFIED_METRICS,
        by_age=paths.UNIFIED_BY_AGE,
        groups=paths.UNIFIED_GROUPS,
    log:
        "logs/evaluate_unified/{dataset}/{variant}.log",
    conda:
        "../envs/main.yaml"
    params:
        splits=STUDY.unified.evaluated_splits,
        tested_on=STUDY.unified.tested_on,
    script:
        "../workflow_scripts/evaluate_unified.py"


rule unified_table:
    input:
        unpack(STUDY.unified.table_metrics),
    output:
        table=report(
            paths.UNIFIED_TABLE,
            caption="../report/unified.rst",
            category="Tables",
            labels={"table": "unified_{dataset}"},
        ),
        markdown=paths.UNIFIED_TABLE_MARKDOWN,
    log:
        "logs/unified_table/{dataset}.log",
    conda:
        "../envs/main.yaml"
    params:
        # each dataset's crop, the recipe, the input size and the benchmark tag (beside every row)
        contexts=STUDY.unified.table_contexts,
    script:
        "../workflow_scripts/unified_table.py"


# the cross-dataset matrix (trained on x tested on) of every variant, as their paper draws it
rule unified_cross_table:
    input:
        **STUDY.unified.all_metrics(),
    output:
        table=report(
            paths.UNIFIED_CROSS_TABLE,
            caption="../report/unified.rst",
            category="Tables",
            labels={"table": "unified_cross"},
        ),
        markdown=paths.UNIFIED_CROSS_TABLE_MARKDOWN,
    log:
        "logs/unified_cross_table.log",
    conda:
        "../envs/main.yaml"
    script:
        "../workflow_scripts/unified_cross_table.py"


rule unified:
    input:
        STUDY.unified.targets_all(),
        STUDY.reports.unified_figures(),
