localrules:
    splits,


rule splits:
    input:
        manifest=get_split_manifest,
    output:
        split="results/splits/{split}.csv",
        labels="results/splits/{split}.labels.json",
    log:
        "logs/splits/{split}.log",
    conda:
        "../envs/main.yaml"
    params:
        spec=get_split_spec,
        seed=config["seed"],
    script:
        "../workflow_scripts/splits.py"
