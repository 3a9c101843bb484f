rule synthetic_dataset:
    output:
        archive="resources/synthetic/{dataset}.tar.gz",
        checksum="resources/synthetic/{dataset}.tar.gz.sha256",
    log:
        "logs/synthetic_dataset/{dataset}.log",
    benchmark:
        "results/benchmarks/synthetic_dataset/{dataset}.tsv"
    conda:
        "../envs/main.yaml"
    resources:
        **STUDY.resources("synthetic_dataset"),
    params:
        spec=STUDY.synthetic_spec,
        seed=config["seed"],
    script:
        "../workflow_scripts/synthetic_dataset.py"


# demo: the unified benchmark's database file of a synthetic archive (light)
localrules:
    synthetic_database,


rule synthetic_database:
    input:
        "resources/synthetic/{dataset}.tar.gz",
    output:
        "resources/synthetic/{dataset}_unified.json",
    log:
        "logs/synthetic_database/{dataset}.log",
    conda:
        "../envs/main.yaml"
    script:
        "../workflow_scripts/synthetic_database.py"
