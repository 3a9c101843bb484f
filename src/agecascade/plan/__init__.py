"""The study's plan from the config: what runs, from what, with which settings, and where it goes.

`Study` (plan.study) is the one place the rules ask; behind it, one module each for paths
(`plan.paths`), settings (`plan.settings`), cluster resources (`plan.resources`) and folds
(`plan.folds`).
"""

from agecascade.plan.folds import benchmark_folds, check_folds, grid_folds
from agecascade.plan.settings import fit_settings, stage_settings, variant_settings
from agecascade.plan.study import Study, start_model

__all__ = ["Study", "benchmark_folds", "check_folds", "fit_settings", "grid_folds", "stage_settings",
           "start_model", "variant_settings"]
