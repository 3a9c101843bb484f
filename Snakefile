# agecascade: cascaded fine-tuning of face CNNs for age estimation (see README.md, DESIGN in docs).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/synthetic.smk"
include: "rules/download.smk"
include: "rules/prepare.smk"
include: "rules/splits.smk"
include: "rules/train.smk"
include: "rules/benchmark.smk"


rule all:
    default_target: True
    input:
        get_data_targets(),
        get_stage_models(),
        "results/tables/table4_fgnet.csv",
        "results/summary.txt",


rule data:
    input:
        get_data_targets(),


rule models:
    input:
        get_stage_models(),


rule benchmarks:
    input:
        benchmark_metrics(),
        "results/tables/table4_fgnet.csv",
