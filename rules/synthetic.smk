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
