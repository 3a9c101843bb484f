localrules:
    splits,


rule splits:
    input:
        manifest=STUDY.split_manifest,
    output:
        split="results/splits/{split}.csv",
        labels="results/splits/{split}.labels.json",
    log:
        "logs/splits/{split}.log",
    conda:
        "../envs/main.yaml"
    params:
        spec=STUDY.split_spec,
        seed=config["seed"],
    script:
        "../workflow_scripts/splits.py"


# The unified benchmark (Paplham & Franc 2024): a dataset's database file, fetched like every
# download, joined to its prepared faces: folders and split0..4 of every face.
localrules:
    download_protocol,
    unified_split,


rule download_protocol:
    input:
        unpack(STUDY.protocol_inputs),
    output:
        "resources/protocols/{dataset}.json",
    log:
        "logs/download_protocol/{dataset}.log",
    conda:
        "../envs/main.yaml"
    params:
        spec=STUDY.protocol_spec,
        downloads="resources/downloads",
    script:
        "../workflow_scripts/download_protocol.py"


rule unified_split:
    input:
        manifest="resources/faces/{dataset}.csv",
        database="resources/protocols/{dataset}.json",
    output:
        split="results/splits/{dataset}_unified.csv",
        report="results/splits/{dataset}_unified.report.json",
    log:
        "logs/unified_split/{dataset}.log",
    conda:
        "../envs/main.yaml"
    script:
        "../workflow_scripts/unified_split.py"
