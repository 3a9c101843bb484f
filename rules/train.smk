# The study's grid search (gridsearch.enabled): one GPU job per (learning rate, batch size), for
# every cascade stage and every benchmark variant; the choice (lowest mean validation loss) feeds
# the training. Off by default: the config carries the values the thesis' search found.
localrules:
    gridsearch_stage_choice,
    gridsearch_fold_choice,


rule gridsearch_stage:
    input:
        unpack(STUDY.stage_inputs),
    output:
        "results/gridsearch/models/{backbone}/{chain}/lr{lr}_bs{batch}.csv",
    log:
        "logs/gridsearch/models/{backbone}/{chain}/lr{lr}_bs{batch}.log",
    benchmark:
        "results/benchmarks/gridsearch/models/{backbone}/{chain}/lr{lr}_bs{batch}.tsv"
    conda:
        "../envs/main.yaml"
    threads: STUDY.threads("gridsearch_stage")
    resources:
        **STUDY.resources("gridsearch_stage"),
    params:
        # resume state goes to the job's workdir, which is not an output
        job=STUDY.stage_grid_job,
    script:
        "../workflow_scripts/gridsearch.py"


use rule gridsearch_stage as gridsearch_fold with:
    input:
        unpack(STUDY.variant_inputs),
    output:
        "results/gridsearch/{benchmark}/{variant}/lr{lr}_bs{batch}.csv",
    log:
        "logs/gridsearch/{benchmark}/{variant}/lr{lr}_bs{batch}.log",
    benchmark:
        "results/benchmarks/gridsearch/{benchmark}/{variant}/lr{lr}_bs{batch}.tsv"
    threads: STUDY.threads("gridsearch_fold")
    resources:
        **STUDY.resources("gridsearch_fold"),
    params:
        job=STUDY.fold_grid_job,


rule gridsearch_stage_choice:
    input:
        STUDY.stage_grid_points,
    output:
        "results/gridsearch/models/{backbone}/{chain}.csv",
    log:
        "logs/gridsearch/models/{backbone}/{chain}.log",
    conda:
        "../envs/main.yaml"
    script:
        "../workflow_scripts/gridsearch_choice.py"


use rule gridsearch_stage_choice as gridsearch_fold_choice with:
    input:
        STUDY.fold_grid_points,
    output:
        "results/gridsearch/{benchmark}/{variant}.csv",
    log:
        "logs/gridsearch/{benchmark}/{variant}.log",


rule train_stage:
    input:
        unpack(STUDY.stage_inputs),
        unpack(STUDY.stage_grid_choice),
    output:
        model="results/models/{backbone}/{chain}.keras",
        history="results/models/{backbone}/{chain}.history.csv",
    log:
        "logs/train_stage/{backbone}/{chain}.log",
    benchmark:
        "results/benchmarks/train_stage/{backbone}/{chain}.tsv"
    conda:
        "../envs/main.yaml"
    threads: STUDY.threads("train_stage")
    resources:
        **STUDY.resources("train_stage"),
    params:
        # settings, what the model records, and the resume state's folder, which lives outside
        # the outputs: Snakemake's cleanup of an incomplete job must not delete it
        job=STUDY.stage_job,
    script:
        "../workflow_scripts/train.py"
