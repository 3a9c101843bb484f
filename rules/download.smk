# Downloads run where the network is (the submit host on most clusters): local rules.
localrules:
    download,
    download_weights,


rule download:
    input:
        unpack(STUDY.data.download_inputs),
    output:
        marker=paths.RAW_MARKER,
    log:
        "logs/download/{dataset}.log",
    benchmark:
        "results/benchmarks/download/{dataset}.tsv"
    conda:
        "../envs/main.yaml"
    params:
        spec=STUDY.data.dataset_spec,
        downloads=paths.DOWNLOADS,
    script:
        "../workflow_scripts/download.py"


rule download_weights:
    output:
        paths.WEIGHTS,
    log:
        "logs/download_weights/{backbone}.log",
    conda:
        "../envs/main.yaml"
    params:
        spec=STUDY.data.weights_spec,
        downloads=paths.DOWNLOADS,
    script:
        "../workflow_scripts/download_weights.py"
