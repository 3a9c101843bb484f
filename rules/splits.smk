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
    download_benchmark,
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
        file="protocol",
    script:
        "../workflow_scripts/download_protocol.py"


# a dataset's benchmark file (its splits and cross-dataset tests), fetched like its database file
rule download_benchmark:
    input:
        unpack(STUDY.data.benchmark_inputs),
    output:
        paths.BENCHMARK_FILE,
    log:
        "logs/download_benchmark/{dataset}.log",
    conda:
        "../envs/main.yaml"
    params:
        spec=STUDY.data.benchmark_spec,
        downloads=paths.DOWNLOADS,
        file="benchmark",
    script:
        "../workflow_scripts/download_protocol.py"


rule unified_split:
    input:
        unpack(STUDY.data.unified_split_inputs),
    output:
        split=paths.UNIFIED_SPLIT,
        report=paths.UNIFIED_SPLIT_REPORT,
        protocol=paths.UNIFIED_PROTOCOL,
        labels=paths.UNIFIED_LABELS,
    log:
        "logs/unified_split/{dataset}.log",
    conda:
        "../envs/main.yaml"
    params:
        # the tags of benchmark files this dataset's models are tested on, and the split count
        # the plan was made with (checked against its benchmark file)
        tags=STUDY.data.benchmark_tags,
        splits=STUDY.data.benchmark_splits,
    script:
        "../workflow_scripts/unified_split.py"
