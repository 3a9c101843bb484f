"""`Study`: the one object the rules ask (rules/common.smk builds it from the config).

A small front: each part of the study is its own plan, named by the rules (`STUDY.stages.job`,
`STUDY.folds.inputs`, ...): `data` (plan.data), `stages` (plan.stages), `grid` (plan.grid), `folds`
(plan.fold_jobs), `regression` (plan.regression_jobs), `unified` (plan.unified) and `reports`
(plan.reports). Paths come from `plan.paths`, settings from `plan.settings`, cluster resources
from `plan.resources`. Everything comes from the config alone, so the whole plan is known before
any data exists.
"""

from __future__ import annotations

from agecascade.plan import paths
from agecascade.plan.data import DataPlan
from agecascade.plan.fold_jobs import FoldPlan
from agecascade.plan.grid import GridPlan
from agecascade.plan.regression_jobs import RegressionPlan
from agecascade.plan.reports import ReportPlan
from agecascade.plan.resources import RuleResources
from agecascade.plan.settings import run_options
from agecascade.plan.stages import StagePlan
from agecascade.plan.unified import UnifiedPlan


class Study:
    """The whole plan of one config: what runs, from what, with which settings, and where it goes."""

    def __init__(self, config: dict):
        self.config = config
        self.folds = FoldPlan(config)
        self.data = DataPlan(config, {b: self.folds.dataset(b) for b in self.folds.benchmarks})
        self.stages = StagePlan(config)
        self.grid = GridPlan(config, self.stages.job)
        self.regression = RegressionPlan(config)
        # the unified benchmark's jobs (`benchmarks.unified`; rules/unified.smk)
        self.unified = UnifiedPlan(config, self.data.unified_datasets)
        self.reports = ReportPlan(config, self)
        self._resources = RuleResources(config, self.folds.dataset)
        # how training jobs run, never what they produce: params Snakemake does not record
        self.run_options = run_options(config)
        self.grid_run_options = run_options(config, backup_every_epoch=True)
        # the {variant} wildcard's values: every benchmark's and the unified benchmark's variants
        self.variants = sorted(set(self.folds.variants) | set(self.unified.all_variants()))

    def threads(self, rule: str) -> int:
        """A rule's `threads:` (`plan.resources`)."""
        return self._resources.threads(rule)

    def resources(self, rule: str) -> dict:
        """A rule's `resources:` (`plan.resources`)."""
        return self._resources.resources(rule)

    def warnings(self) -> list[str]:
        """What the config asks for that is not planned, and why (printed at start-up)."""
        return self.unified.warnings()

    def targets(self) -> list[str]:
        """What the default target (`all`) builds: data, stage models, tables and the summary,
        figures and the unified benchmark's tables."""
        return (self.data.targets() + self.stages.models() + [paths.TABLE4, paths.SUMMARY]
                + self.reports.figure_targets() + self.unified.targets_all())
