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
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        STUDY.targets(),


# Every figure and table, from the results on disk (plans no training when they are present).
rule figures:
    input:
        STUDY.reports.figure_targets(),
        paths.TABLE4,
        STUDY.unified.targets_all(),


rule data:
    input:
        STUDY.data.targets(),


rule models:
    input:
        STUDY.stages.models(),


rule regression:
    input:
        STUDY.regression.metrics(),
        paths.TABLE4,


rule benchmarks:
    input:
        STUDY.folds.metrics(),
        paths.TABLE4,
