"""The grid search of the plan (thesis section 4; `Study.grid`, rules/train.smk): one job per
(learning rate, batch size) of every cascade stage and every benchmark variant; each point is the
real training's job with its learning rate, batch size, epochs and validation split changed."""

from __future__ import annotations

from agecascade.plan import paths, settings
from agecascade.plan.folds import grid_folds
from agecascade.plan.starts import crop
from agecascade.vocabulary import Variant


class GridPlan:
    """Grid points and grid jobs of a config (`gridsearch`).

    Args:
        config: the validated config.
        stage_job: (wildcards) -> a stage's `params.job` (`StagePlan.job`).
    """

    def __init__(self, config: dict, stage_job):
        self.config = config
        self._stage_of = stage_job

    def _points(self, searched: str) -> list[str]:
        grid = self.config["gridsearch"]
        return [paths.GRID_POINT.format(searched=searched, lr=f"{lr:g}", batch=batch)
                for lr in grid["learning_rates"] for batch in grid["batch_sizes"]]

    def stage_points(self, wildcards) -> list[str]:
        return self._points(paths.STAGE_GRID_SEARCHED.format(backbone=wildcards.backbone, chain=wildcards.chain))

    def fold_points(self, wildcards) -> list[str]:
        return self._points(paths.FOLD_GRID_SEARCHED.format(benchmark=wildcards.benchmark, variant=wildcards.variant))

    def _point(self, wildcards, job: dict, folds, searched: str) -> dict:
        """A grid point's job: the real training's (`job`) at the point's learning rate, batch size
        and epochs (`plan.settings.grid_point_settings`), on the grid's search sets."""
        grid = self.config["gridsearch"]
        lr, batch = float(wildcards.lr), int(wildcards.batch)
        return {"backbone": job["backbone"], "record": job["record"],
                "settings": settings.grid_point_settings(job["settings"], lr, batch, grid["epochs"]),
                "learning_rate": lr, "batch_size": batch, "epochs": grid["epochs"], "folds": folds,
                "validation_fraction": grid["validation_fraction"],
                "workdir": paths.GRID_WORKDIR.format(searched=searched, lr=wildcards.lr, batch=wildcards.batch)}

    def stage_job(self, wildcards) -> dict:
        """`params.job` of a gridsearch_stage job: the stage's job at one grid point."""
        searched = paths.STAGE_GRID_SEARCHED.format(backbone=wildcards.backbone, chain=wildcards.chain)
        return self._point(wildcards, self._stage_of(wildcards), None, searched)

    def fold_job(self, wildcards) -> dict:
        """`params.job` of a gridsearch_fold job: a variant's fold training at one grid point, on
        the training faces of the benchmark's grid folds."""
        variant = Variant.parse(wildcards.variant)
        record = {**crop(self.config), "chain": variant.pretraining, "benchmark": wildcards.benchmark,
                  "variant": str(variant)}
        job = {"backbone": variant.backbone, "record": record,
               "settings": settings.variant_settings(self.config, wildcards.benchmark, wildcards.variant)}
        folds = grid_folds(self.config, wildcards.benchmark)
        searched = paths.FOLD_GRID_SEARCHED.format(benchmark=wildcards.benchmark, variant=wildcards.variant)
        return self._point(wildcards, job, folds, searched)
