import sys
from pathlib import Path

# The package lives in src/ and is imported one way, through the link workflow_scripts/agecascade:
# jobs get that folder on sys.path from Snakemake or Python (a script's own folder), and Snakemake
# itself gets it here; no installation needed in conda envs or on nodes.
sys.path.insert(0, str(Path(workflow.basedir) / "workflow_scripts"))

from agecascade import config as agecascade_config  # noqa: E402
from agecascade import vocabulary  # noqa: E402
from agecascade.plan import paths  # noqa: E402
from agecascade.plan.folds import check_folds  # noqa: E402
from agecascade.plan.paths import CheckoutPath  # noqa: E402
from agecascade.plan.study import Study  # noqa: E402

# The study's plan lives in agecascade.plan.study.Study; the rules name its parts' methods
# (STUDY.stages.job, ...) and take every output pattern from agecascade.plan.paths. This file only
# checks the config, builds the plan and wires what needs Snakemake itself.
# Snakemake's own loader lets a key written twice in a config file win silently
for configfile_path in workflow.configfiles:
    agecascade_config.read_yaml(configfile_path)
agecascade_config.validate(config)
warnings = check_folds(config)
STUDY = Study(config)
for warning in warnings + STUDY.warnings():
    print(f"agecascade: {warning}", file=sys.stderr)


wildcard_constraints:
    dataset=vocabulary.alternatives(STUDY.data.datasets),
    chain=vocabulary.alternatives(STUDY.stages.chains),
    backbone=vocabulary.alternatives(vocabulary.BACKBONES),
    split=vocabulary.alternatives(STUDY.data.splits),
    benchmark=vocabulary.alternatives(STUDY.folds.benchmarks),
    variant=vocabulary.alternatives(STUDY.variants) or "none",
    fold=r"\d+",
    protocol_split=r"\d+",
    lr=r"[0-9.e+-]+",
    batch=r"\d+",
    kept=vocabulary.alternatives(STUDY.folds.kept) or "none",
    extractor=vocabulary.EXTRACTOR_PATTERN,
    layer=vocabulary.alternatives(vocabulary.LAYERS),
    figure=vocabulary.alternatives(STUDY.reports.figures()) or "none",


def table_outputs():
    """The tables this config produces, each in the report with its caption (report/<name>.rst)."""
    return {
        name: report(path, caption=f"../report/{name}.rst", category="Tables")
        for name, path in STUDY.reports.table_paths().items()
    }


def workflow_script(name):
    """A workflow script (shell rules run in the working directory): its absolute path, kept out
    of the parameters Snakemake records (plan.paths.CheckoutPath)."""
    return CheckoutPath(Path(workflow.basedir) / "workflow_scripts" / name)


def regression_python():
    """The auto-sklearn environment's interpreter: conda's env (--sdm conda) or the venv `make`
    builds (regression.python, relative to the workflow folder)."""
    from snakemake.settings.types import DeploymentMethod

    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
        return "python"
    python = Path(config["regression"]["python"])
    return CheckoutPath(
        python if python.is_absolute() else Path(workflow.basedir) / python
    )
