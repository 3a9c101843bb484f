"""The study's grid search (thesis section 4), one job per grid point.

"For each experiment we perform a grid search across learning rates 0.1, 0.01, 0.001 and 0.0001 as
well as batch sizes 12, 32, 48 and 64 ... training the model over 1 epoch on the training set of
IMDB, the training set of AgeDB, the training sets of the first 6 folds of FG-NET-AD or the training
set of the first fold of Adience, respectively, and select the setup that achieves the best
performance in terms of validation loss."

* A cascade stage (IMDB, AgeDB) is searched on its own 80/20 train/validation split.
* A benchmark variant (modes a, b, c) is searched on the training sets of its grid folds: each
  fold's training faces (never its test subjects) are split again, grouped by subject, into
  training and validation faces; the mean validation loss over the folds decides.

Every run starts from the same model the real training starts from and uses its input pipeline,
augmentation, seed and threads; only learning rate, batch size and epochs differ.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

from agecascade.data.folds import in_fold
from agecascade.training import (
    FaceBatches,
    FitSettings,
    finish,
    fit,
    initial_model,
    read_label_space,
    setup_device,
    to_classes,
)

log = logging.getLogger(__name__)


def search_sets(split: pd.DataFrame, folds=None, validation_fraction: float = 0.2, seed: int = 42):
    """(fold, train, validation) tables to search on.

    Args:
        split: a split table: `split` column (a training set) or `fold` column (a benchmark).
        folds: the benchmark folds whose training sets are searched on; None for a training set.
        validation_fraction: share of a fold's training subjects held out for validation.
        seed: seed of that split.
    """
    if folds is None:
        return [(None, split[split["split"] == "train"], split[split["split"] == "val"])]
    sets = []
    for fold in folds:
        training = split[~in_fold(split, int(fold))]
        if training["subject"].nunique() < 2:
            raise ValueError(f"Fold {fold}: fewer than 2 training subjects, no validation subject left.")
        splitter = GroupShuffleSplit(n_splits=1, test_size=validation_fraction, random_state=seed)
        train, val = next(splitter.split(training, groups=training["subject"]))
        sets.append((int(fold), training.iloc[train], training.iloc[val]))
    return sets


def grid_point(backbone: str, start, store, split_csv, labels, settings: dict, learning_rate: float,
               batch_size: int, epochs: int, output, workdir, image_size: int, folds=None,
               validation_fraction: float = 0.2, threads: int | None = None) -> pd.DataFrame:
    """Train one (learning rate, batch size) for `epochs` epoch(s) on every search set; write one
    row per set with its validation loss (NaN: diverged).

    Args:
        backbone: vgg16, resnet50 or senet50.
        start: what the real training starts from (stage model, face weights, or None).
        store, split_csv, labels: the dataset's face store, split table and label space.
        settings: the real training's `FitSettings` fields (frozen, augmentation, seed, ...).
        learning_rate, batch_size, epochs: the grid point.
        output: the CSV to write.
        workdir: scratch folder for the runs' resume state (removed after).
        image_size: input side.
        folds: benchmark folds to search on (None: a cascade stage's train/val split).
        validation_fraction: see `search_sets`.
        threads: CPU threads TensorFlow may use.
    """
    run_settings = FitSettings(**{**settings, "learning_rate": float(learning_rate), "batch_size": int(batch_size),
                                  "epochs": int(epochs), "patience": None, "backup_interval_minutes": 0.0})
    setup_device(run_settings, threads)
    space = read_label_space(labels)
    rows = []
    for fold, train_rows, val_rows in search_sets(pd.read_csv(split_csv), folds, validation_fraction,
                                                  run_settings.seed):
        model = initial_model(backbone, start, **space, frozen=run_settings.frozen, image_size=image_size,
                              seed=run_settings.seed)
        train = FaceBatches(store, train_rows["index"], to_classes(train_rows["label"], space["values"]),
                            run_settings.batch_size, shuffle=True, seed=run_settings.seed)
        val = FaceBatches(store, val_rows["index"], to_classes(val_rows["label"], space["values"]),
                          run_settings.batch_size, shuffle=False)
        run = Path(workdir) / f"fold{fold}"
        history = fit(model, train, val, run_settings, run / "backup", run / "history.csv")
        finish(run)
        rows.append({"fold": fold, "learning_rate": run_settings.learning_rate,
                     "batch_size": run_settings.batch_size, "train_faces": len(train_rows),
                     "val_faces": len(val_rows), "val_loss": float(history["val_loss"].iloc[-1])})
        log.info("grid point lr %s batch %s fold %s: val_loss %.4f", learning_rate, batch_size, fold,
                 rows[-1]["val_loss"])
    table = pd.DataFrame(rows)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(output, index=False)
    return table


def grid_choice(points, output) -> pd.DataFrame:
    """One row per grid point, best first: the mean validation loss over its search sets (NaN
    if any run diverged, so a diverged point is never chosen), and how many sets it saw."""
    table = pd.concat([pd.read_csv(p) for p in points], ignore_index=True)
    grouped = table.groupby(["learning_rate", "batch_size"])["val_loss"]
    choice = pd.DataFrame({"val_loss": grouped.apply(lambda v: v.mean(skipna=False)),
                           "folds": grouped.size()}).reset_index()
    choice = choice.sort_values("val_loss", na_position="last").reset_index(drop=True)
    choice.to_csv(output, index=False)
    log.info("grid search: best learning rate %s, batch size %s", *choice.iloc[0][["learning_rate", "batch_size"]])
    return choice


