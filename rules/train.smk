# The study's grid search (gridsearch.enabled): one GPU job per (learning rate, batch size), for
# every cascade stage and every benchmark variant; the choice (lowest mean validation loss) feeds
# the training. Off by default: the config carries the values the thesis' search found.
localrules:
    gridsearch_stage_choice,
    gridsearch_fold_choice,


rule gridsearch_stage:
    input:
        unpack(STUDY.stages.inputs),
    output:
        paths.GRID_POINT.replace("{searched}", paths.STAGE_GRID_SEARCHED),
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
        job=STUDY.grid.stage_job,
        runtime=STUDY.grid_run_options,
    script:
        "../workflow_scripts/gridsearch.py"


use rule gridsearch_stage as gridsearch_fold with:
    input:
        unpack(STUDY.folds.variant_inputs),
    output:
        paths.GRID_POINT.replace("{searched}", paths.FOLD_GRID_SEARCHED),
    log:
        "logs/gridsearch/{benchmark}/{variant}/lr{lr}_bs{batch}.log",
    benchmark:
        "results/benchmarks/gridsearch/{benchmark}/{variant}/lr{lr}_bs{batch}.tsv"
    threads: STUDY.threads("gridsearch_fold")
    resources:
        **STUDY.resources("gridsearch_fold"),
    params:
        job=STUDY.grid.fold_job,
        runtime=STUDY.grid_run_options,


rule gridsearch_stage_choice:
    input:
        STUDY.grid.stage_points,
    output:
        paths.GRID_CHOICE.replace("{searched}", paths.STAGE_GRID_SEARCHED),
    log:
        "logs/gridsearch/models/{backbone}/{chain}.log",
    conda:
        "../envs/main.yaml"
    script:
        "../workflow_scripts/gridsearch_choice.py"


use rule gridsearch_stage_choice as gridsearch_fold_choice with:
    input:
        STUDY.grid.fold_points,
    output:
        paths.GRID_CHOICE.replace("{searched}", paths.FOLD_GRID_SEARCHED),
    log:
        "logs/gridsearch/{benchmark}/{variant}.log",


rule train_stage:
    input:
        unpack(STUDY.stages.inputs),
        unpack(STUDY.stages.grid_choice),
    output:
        model=paths.STAGE_MODEL,
        history=paths.STAGE_HISTORY,
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
        job=STUDY.stages.job,
        runtime=STUDY.run_options,
    script:
        "../workflow_scripts/train.py"
