rule synthetic_dataset:
    output:
        archive=paths.SYNTHETIC_ARCHIVE,
        checksum=paths.SYNTHETIC_CHECKSUM,
        boxes=paths.SYNTHETIC_BOXES,
    log:
        "logs/synthetic_dataset/{dataset}.log",
    benchmark:
        "results/benchmarks/synthetic_dataset/{dataset}.tsv"
    conda:
        "../envs/main.yaml"
    resources:
        **STUDY.resources("synthetic_dataset"),
    params:
        spec=STUDY.data.synthetic_spec,
        seed=config["seed"],
    script:
        "../workflow_scripts/synthetic_dataset.py"


# demo: the unified benchmark's database file of a synthetic archive (light)
localrules:
    synthetic_database,
    synthetic_benchmark,


rule synthetic_database:
    input:
        paths.SYNTHETIC_ARCHIVE,
        paths.SYNTHETIC_BOXES,
    output:
        paths.SYNTHETIC_DATABASE,
    log:
        "logs/synthetic_database/{dataset}.log",
    conda:
        "../envs/main.yaml"
    script:
        "../workflow_scripts/synthetic_database.py"


# demo: a benchmark file in the published shape for a synthetic dataset (its splits, and the other
# synthetic datasets' folders as cross-dataset tests)
rule synthetic_benchmark:
    input:
        unpack(STUDY.data.synthetic_benchmark_others),
    output:
        paths.SYNTHETIC_BENCHMARK,
    log:
        "logs/synthetic_benchmark/{dataset}.log",
    conda:
        "../envs/main.yaml"
    params:
        tag=STUDY.data.synthetic_benchmark_tag,
        others=STUDY.data.synthetic_benchmark_others,
    script:
        "../workflow_scripts/synthetic_benchmark.py"
