# agecascade: cascaded fine-tuning of face CNNs for age estimation (see README.md, DESIGN in docs).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/synthetic.smk"
include: "rules/download.smk"
include: "rules/prepare.smk"
include: "rules/splits.smk"
include: "rules/train.smk"
include: "rules/folds.smk"
include: "rules/regression.smk"
include: "rules/figures.smk"
include: "rules/unified.smk"


rule all:
    default_target: True
    input:
        STUDY.data_targets(),
        STUDY.stage_models(),
        "results/tables/table4_fgnet.csv",
        "results/summary.txt",
        STUDY.figure_targets(),
        STUDY.unified.targets_all(),


# Every figure and table, from the results on disk (plans no training when they are present).
rule figures:
    input:
        STUDY.figure_targets(),
        "results/tables/table4_fgnet.csv",
        STUDY.unified.targets_all(),


rule data:
    input:
        STUDY.data_targets(),


rule models:
    input:
        STUDY.stage_models(),


rule regression:
    input:
        STUDY.regression_metrics(),
        "results/tables/table4_fgnet.csv",


rule benchmarks:
    input:
        STUDY.benchmark_metrics(),
        "results/tables/table4_fgnet.csv",
