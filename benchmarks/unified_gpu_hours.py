"""The unified benchmark's plan under a config, per recipe: training jobs per dataset and their
GPU hours, expected (epochs x the dataset's pictures at the thesis' measured pace, the AgeDB stage's
~2,060 pictures a minute on a GTX 1080 Ti) and declared (the SLURM limits: 1.5 x expected + 30 min).

Usage: python benchmarks/unified_gpu_hours.py [config.yaml [config.unified.yaml ...]]
"""

from __future__ import annotations

import copy
import sys

from agecascade import config as configuration
from agecascade.plan.resources import UNIFIED_START, unified_minutes, unified_runtime
from agecascade.plan.settings import unified_settings
from agecascade.plan.study import Study


def hours(config: dict) -> dict[str, dict]:
    """{dataset: {jobs, expected_h, declared_h}} of the unified training jobs this config plans."""
    rows: dict[str, dict] = {}
    for job in Study(config).unified.jobs():
        epochs = unified_settings(config, job["dataset"], job["variant"])["epochs"]
        row = rows.setdefault(job["dataset"], {"jobs": 0, "expected_h": 0.0, "declared_h": 0.0})
        row["jobs"] += 1
        row["expected_h"] += (unified_minutes(job["dataset"], epochs) + UNIFIED_START) / 60
        row["declared_h"] += unified_runtime(job["dataset"], epochs) / 60
    return rows


def main(paths: list[str]) -> None:
    base = configuration.load(*(paths or ["config.yaml"]))
    for recipe in ("thesis", "benchmark"):
        config = configuration.deep_update(copy.deepcopy(base), {"benchmarks": {"unified": {"recipe": recipe}}})
        rows = hours(config)
        print(f"recipe {recipe}:")
        for dataset, row in rows.items():
            print(f"  {dataset:14s} {row['jobs']:4d} jobs  {row['expected_h']:8.0f} GPU-h expected  "
                  f"{row['declared_h']:8.0f} declared")
        total = {k: sum(r[k] for r in rows.values()) for k in ("jobs", "expected_h", "declared_h")}
        print(f"  {'total':14s} {total['jobs']:4d} jobs  {total['expected_h']:8.0f} GPU-h expected  "
              f"{total['declared_h']:8.0f} declared")


if __name__ == "__main__":
    main(sys.argv[1:])
