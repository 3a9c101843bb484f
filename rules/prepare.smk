rule prepare:
    input:
        unpack(STUDY.data.prepare_inputs),
    output:
        store=paths.FACE_STORE,
        manifest=paths.MANIFEST,
        report=paths.PREPARE_REPORT,
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
        options=STUDY.data.prepare_options,
        parsing=STUDY.data.parse_options,
    script:
        "../workflow_scripts/prepare.py"
