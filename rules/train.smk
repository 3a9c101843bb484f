rule gridsearch:
    input:
        unpack(get_stage_inputs),
    output:
        "results/gridsearch/{backbone}/{chain}.csv",
    log:
        "logs/gridsearch/{backbone}/{chain}.log",
    benchmark:
        "results/benchmarks/gridsearch/{backbone}/{chain}.tsv"
    conda:
        "../envs/main.yaml"
    threads: 8
    resources:
        gpu=1,
        cpus_per_task=8,
        mem_mb=32000,
        runtime=get_gridsearch_runtime,
    params:
        grid=config["gridsearch"],
        settings=get_stage_settings,
        image_size=config["image_size"],
        workdir=subpath(output[0], strip_suffix=".csv"),
    script:
        "../workflow_scripts/gridsearch.py"


rule train_stage:
    input:
        unpack(get_stage_inputs),
        unpack(get_gridsearch_choice),
    output:
        model="results/models/{backbone}/{chain}.keras",
        history="results/models/{backbone}/{chain}.history.csv",
    log:
        "logs/train_stage/{backbone}/{chain}.log",
    benchmark:
        "results/benchmarks/train_stage/{backbone}/{chain}.tsv"
    conda:
        "../envs/main.yaml"
    threads: 8
    resources:
        gpu=1,
        cpus_per_task=8,
        mem_mb=32000,
        runtime=get_stage_runtime,
    params:
        settings=get_stage_settings,
        image_size=config["image_size"],
        # Resume state lives outside the outputs: Snakemake's cleanup of an incomplete job
        # must not delete it.
        backup="results/models/.resume/{backbone}/{chain}",
    script:
        "../workflow_scripts/train_stage.py"
