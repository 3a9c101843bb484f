rule prepare:
    input:
        marker="resources/raw/{dataset}/dataset.json",
    output:
        store="resources/faces/{dataset}.h5",
        manifest="resources/faces/{dataset}.csv",
        report="resources/faces/{dataset}.report.json",
    log:
        "logs/prepare/{dataset}.log",
    benchmark:
        "results/benchmarks/prepare/{dataset}.tsv"
    conda:
        "../envs/main.yaml"
    threads: STUDY.threads("prepare")
    resources:
        **STUDY.resources("prepare"),
    params:
        options=STUDY.prepare_options,
        parsing=STUDY.parse_options,
    script:
        "../workflow_scripts/prepare.py"
