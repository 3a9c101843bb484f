"""One training job per (benchmark, variant, fold): the `train_fold` rule.

A variant is `<backbone>-<pretraining>` (rows of thesis Table 4):
* `-faces2`: mode a, the face-recognition backbone frozen, only the head trained on the fold;
* `-imdb`, `-imdb-agedb`: modes b and c, the cascade stage model fine-tuned entirely on the fold.

The fold's test set is its held-out subject(s) (FG-NET) or official fold (Adience); every other face
of the benchmark is training data. There is no validation set (as in the study's leave-one-out
protocol): the learning-rate schedule follows the training loss.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from agecascade.data.folds import in_fold
from agecascade.models.head import expected_age
from agecascade.training import (
    FaceBatches,
    FitSettings,
    finish,
    fit,
    initial_model,
    model_info,
    read_label_space,
    setup_device,
    to_classes,
    training_model,
    with_grid_choice,
)
from agecascade.vocabulary import BACKBONES, PRETRAININGS

log = logging.getLogger(__name__)


def parse_variant(variant: str) -> tuple[str, str]:
    """`vgg16-imdb-agedb` -> ("vgg16", "imdb-agedb")."""
    backbone, _, pretraining = variant.partition("-")
    if backbone not in BACKBONES or pretraining not in PRETRAININGS:
        raise ValueError(f"Unknown variant. Expected <backbone>-<faces2|imdb|imdb-agedb>. Received: {variant!r}")
    return backbone, pretraining


def fold_sets(split: pd.DataFrame, fold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) of a fold: test = faces of this fold, train = every other face."""
    mask = in_fold(split, fold)
    test, train = split[mask], split[~mask]
    if test.empty:
        raise ValueError(f"Fold {fold} has no test faces.")
    if train.empty:
        raise ValueError(f"Fold {fold} has no training faces.")
    return train, test


def predict(model, store, rows: pd.DataFrame, batch_size: int) -> np.ndarray:
    """Class probabilities of the faces `rows["index"]` of a store, in the order of `rows`."""
    batches = FaceBatches(store, rows["index"], np.zeros(len(rows), dtype=np.int32), batch_size, shuffle=False)
    return training_model(model).predict(batches, verbose=0)


def predictions_table(rows: pd.DataFrame, probabilities: np.ndarray, values, names) -> pd.DataFrame:
    """One row per test face: identity, truth, expected value, predicted class, probabilities."""
    table = rows[[c for c in ("index", "source", "subject") if c in rows]].copy()
    table["true"] = rows["label"].to_numpy()
    table["expected"] = expected_age(probabilities, values)
    table["predicted_class"] = probabilities.argmax(axis=1)
    table["predicted"] = np.asarray(values)[table["predicted_class"]]
    for j, name in enumerate(names):
        table[f"p_{name}"] = probabilities[:, j]
    return table


def train_fold(benchmark: str, variant: str, fold: int, store, split_csv, labels, start,
               settings: FitSettings | dict, predictions_path, history_path, backup_dir,
               image_size: int, margin: float, gridsearch=None, model_path=None,
               threads: int | None = None) -> pd.DataFrame:
    """Train a variant on a fold's training faces, predict its test faces, write predictions.

    Args:
        benchmark, variant, fold: what to train (the fold is the test fold's number).
        store, split_csv: the benchmark dataset's face store and split table.
        labels: the benchmark's label space (`results/splits/<benchmark>.labels.json`), the same
            for every fold and variant.
        start: the cascade stage model (`.keras`), the face weights (`.h5`), or None (random).
        settings: fit settings (mode a: `frozen`).
        predictions_path, history_path: outputs.
        backup_dir: resume state (not an output).
        image_size, margin: input side and crop margin of the faces (recorded in the model).
        gridsearch: optional grid-search table whose best row overrides learning rate and batch.
        model_path: where to keep the fold's model, or None not to keep it.
        threads: CPU threads TensorFlow may use (the rule's threads).

    Returns:
        The predictions table.
    """
    if isinstance(settings, dict):
        settings = FitSettings(**settings)
    setup_device(settings, threads)
    settings = with_grid_choice(settings, gridsearch)
    backbone, pretraining = parse_variant(variant)
    train, test = fold_sets(pd.read_csv(split_csv), int(fold))
    space = read_label_space(labels)
    info = model_info(backbone, pretraining, image_size, margin, settings, benchmark=benchmark,
                      variant=variant, fold=int(fold))
    model = initial_model(backbone, start, **space, info=info, frozen=settings.frozen,
                          image_size=image_size, seed=settings.seed)
    batches = FaceBatches(store, train["index"], to_classes(train["label"], space["values"]),
                          settings.batch_size, shuffle=True, seed=settings.seed)
    fit(model, batches, None, settings, Path(backup_dir), Path(history_path))
    probabilities = predict(model, store, test, settings.batch_size)
    table = predictions_table(test, probabilities, space["values"], space["names"])
    Path(predictions_path).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(predictions_path, index=False)
    if model_path:
        model.save(model_path)
    finish(Path(backup_dir))
    log.info("%s %s fold %s: %d test faces, %d classes", benchmark, variant, fold, len(table), len(space["values"]))
    return table
