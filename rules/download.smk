# Downloads run where the network is (the submit host on most clusters): local rules.
localrules:
    download,
    download_weights,


rule download:
    input:
        unpack(STUDY.download_inputs),
    output:
        marker="resources/raw/{dataset}/dataset.json",
    log:
        "logs/download/{dataset}.log",
    benchmark:
        "results/benchmarks/download/{dataset}.tsv"
    conda:
        "../envs/main.yaml"
    params:
        spec=STUDY.dataset_spec,
        downloads="resources/downloads",
    script:
        "../workflow_scripts/download.py"


rule download_weights:
    output:
        "resources/weights/{backbone}.h5",
    log:
        "logs/download_weights/{backbone}.log",
    conda:
        "../envs/main.yaml"
    params:
        spec=STUDY.weights_spec,
        downloads="resources/downloads",
    script:
        "../workflow_scripts/download_weights.py"
