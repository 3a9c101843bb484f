"""The study's grid search (thesis section 4), one job per grid point.

"For each experiment we perform a grid search across learning rates 0.1, 0.01, 0.001 and 0.0001 as
well as batch sizes 12, 32, 48 and 64 ... training the model over 1 epoch on the training set of
IMDB, the training set of AgeDB, the training sets of the first 6 folds of FG-NET-AD or the training
set of the first fold of Adience, respectively, and select the setup that achieves the best
performance in terms of validation loss."

* A cascade stage (IMDB, AgeDB) is searched on its own 80/20 train/validation split.
* A benchmark variant (modes a, b, c) is searched on the training sets of its grid folds: each
  fold's training faces (never its test subjects) are split again, grouped by subject, into
  training and validation faces (`data.folds.Part`); the mean validation loss over the folds
  decides (`grid_choice`).

Every run is a `run_training` of the job the real training runs, with only learning rate, batch
size and epochs changed: same start model, input pipeline, augmentation, seed and threads.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from agecascade.data.folds import Part
from agecascade.fit import FitSettings, TrainingDiverged
from agecascade.fit_settings import RunOptions
from agecascade.training import TrainingData, TrainingJob, TrainingOutputs, run_training

log = logging.getLogger(__name__)


def search_parts(point: dict) -> list[Part]:
    """The parts of the split a grid point trains and validates on: the training set's own split
    (a cascade stage), or each grid fold's training faces split again by subject."""
    if point.get("folds") is None:
        return [Part()]
    return [Part(int(fold), float(point["validation_fraction"])) for fold in point["folds"]]


def grid_point(point: dict, inputs, output, threads: int | None = None,
               runtime: RunOptions | None = None) -> pd.DataFrame:
    """Train one (learning rate, batch size) for its epoch(s) on every search set; write one row per
    set with its validation loss (NaN: diverged).

    Args:
        point: the plan's `params.job` (`GridPlan.stage_job`, `GridPlan.fold_job`): backbone,
            the point's `settings` (the real training's there: `plan.settings.grid_point_settings`)
            and `record`, `learning_rate`, `batch_size`, `epochs`,
            `folds` (None: a cascade stage) and `validation_fraction`, and `workdir` (scratch
            folder for the runs' resume state, removed after).
        inputs: the rule's named inputs (store, split, labels, start).
        output: the CSV to write.
        threads: CPU threads the backend may use.
        runtime: the rule's unrecorded `RunOptions` (a grid point backs up after every epoch).
    """
    settings = FitSettings(**point["settings"], **asdict(runtime or RunOptions()))  # resolved by the plan
    rows = []
    for part in search_parts(point):
        run = Path(point["workdir"]) / f"fold{part.test_fold}"
        data = TrainingData(inputs["store"], inputs["split"], inputs["labels"], part, inputs.get("start"))
        outputs = TrainingOutputs(str(run / "backup"), str(run / "history.csv"))
        job = TrainingJob(point["backbone"], data, settings, outputs, point["record"], threads)
        try:
            result = run_training(job)
            row = {"train_faces": result.train_faces, "val_faces": result.val_faces,
                   "val_loss": float(result.history["val_loss"].iloc[-1]), "diverged": False}
        except TrainingDiverged as error:
            log.warning("%s", error)
            row = {"val_loss": float("nan"), "diverged": True}  # never chosen (grid_choice)
        shutil.rmtree(run, ignore_errors=True)
        rows.append({"fold": part.test_fold, "learning_rate": settings.learning_rate,
                     "batch_size": settings.batch_size, **row})
        log.info("grid point lr %s batch %s fold %s: val_loss %.4f", settings.learning_rate, settings.batch_size,
                 part.test_fold, rows[-1]["val_loss"])
    table = pd.DataFrame(rows)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(output, index=False)
    return table
