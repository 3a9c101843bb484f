# The unified benchmark (Paplham & Franc, CVPR 2024; benchmarks.unified): one GPU job per (dataset,
# variant, split), trained on the split's trn folders, the epoch with the lowest validation MAE kept,
# tested on its tst folders and on every picture of the other datasets with a database file.
# Partial reruns: `snakemake results/unified/agedb/vgg16-imdb/split3/predictions.csv`.
localrules:
    evaluate_unified,
    unified_table,


rule train_unified:
    input:
        unpack(STUDY.unified.train_inputs),
    output:
        predictions="results/unified/{dataset}/{variant}/split{protocol_split}/predictions.csv",
        history="results/unified/{dataset}/{variant}/split{protocol_split}/history.csv",
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
    script:
        "../workflow_scripts/train.py"


rule evaluate_unified:
    input:
        split="results/splits/{dataset}_unified.csv",
        predictions=STUDY.unified.predictions,
    output:
        metrics="results/unified/{dataset}/{variant}/metrics.csv",
        by_age="results/unified/{dataset}/{variant}/mae_by_age.csv",
    log:
        "logs/evaluate_unified/{dataset}/{variant}.log",
    conda:
        "../envs/main.yaml"
    params:
        splits=STUDY.unified.evaluated_splits,
    script:
        "../workflow_scripts/evaluate_unified.py"


rule unified_table:
    input:
        unpack(STUDY.unified.table_metrics),
    output:
        table=report(
            "results/tables/unified_{dataset}.csv",
            caption="../report/unified.rst",
            category="Tables",
            labels={"table": "unified_{dataset}"},
        ),
        markdown="results/tables/unified_{dataset}.md",
    log:
        "logs/unified_table/{dataset}.log",
    conda:
        "../envs/main.yaml"
    script:
        "../workflow_scripts/unified_table.py"


rule unified:
    input:
        STUDY.unified.targets_all(),
        STUDY.unified_figures(),
