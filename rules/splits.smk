localrules:
    splits,


rule splits:
    input:
        manifest=STUDY.data.split_manifest,
    output:
        split=paths.SPLIT_TABLE,
        labels=paths.LABEL_SPACE,
    log:
        "logs/splits/{split}.log",
    conda:
        "../envs/main.yaml"
    params:
        spec=STUDY.data.split_spec,
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
        unpack(STUDY.data.database_inputs),
    output:
        paths.DATABASE_FILE,
    log:
        "logs/download_protocol/{dataset}.log",
    conda:
        "../envs/main.yaml"
    params:
        spec=STUDY.data.database_spec,
        downloads=paths.DOWNLOADS,
    script:
        "../workflow_scripts/download_protocol.py"


rule unified_split:
    input:
        manifest=paths.MANIFEST,
        database=paths.DATABASE_FILE,
    output:
        split=paths.UNIFIED_SPLIT,
        report=paths.UNIFIED_SPLIT_REPORT,
    log:
        "logs/unified_split/{dataset}.log",
    conda:
        "../envs/main.yaml"
    script:
        "../workflow_scripts/unified_split.py"
