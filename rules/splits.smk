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
