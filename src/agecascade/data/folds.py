"""Benchmark folds and train/validation splits (the `splits` rule).

Every split table has one row per face of the dataset's store: `index` (row in the face store),
`subject`, `label` (age in years, or class index for Adience) and either
* `fold`: the fold whose test set holds this face (empty: the face is only ever trained on), for
  the benchmarks fgnet, fgnet_top4, adience and adience3; or
* `split`: `train` or `val`, for the training sets imdb and agedb (80/20, grouped by identity so
  nobody is on both sides).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, LeaveOneGroupOut, PredefinedSplit

from agecascade.data.adience import class_names
from agecascade.outputs import write_text

log = logging.getLogger(__name__)


class SplitError(Exception):
    """The data does not match the folds the config declares."""


def _base(manifest: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({"index": np.arange(len(manifest)), "subject": manifest["subject"].astype(str)})
    for column in ("source", "age", "age_group"):
        if column in manifest:
            table[column] = manifest[column].to_numpy()
    return table


def fgnet_folds(manifest: pd.DataFrame, subjects: list[int]) -> pd.DataFrame:
    """Leave one person out: the fold of a face is its subject's number."""
    table = _base(manifest)
    found = sorted(set(table["subject"].astype(int)))
    if found != sorted(subjects):
        missing = sorted(set(subjects) - set(found))
        extra = sorted(set(found) - set(subjects))
        raise SplitError(
            f"FG-NET: the config declares {len(subjects)} subjects (folds), the face store holds "
            f"{len(found)}. Subjects missing from the data: {missing[:10]}; in the data but not in "
            f"the config: {extra[:10]}. Set benchmarks.fgnet.subjects to match the data."
        )
    table["label"] = table["age"].astype(int)
    table["fold"] = pd.array([pd.NA] * len(table), dtype="Int64")
    groups = table["subject"].astype(int).to_numpy()
    for _, test in LeaveOneGroupOut().split(table, groups=groups):
        table.loc[test, "fold"] = int(groups[test[0]])
    return table


def holdout_subjects(manifest: pd.DataFrame, test_subjects: list[int]) -> pd.DataFrame:
    """One fold (0) whose test set is the given subjects; everyone else is training data."""
    table = _base(manifest)
    missing = sorted(set(test_subjects) - set(table["subject"].astype(int)))
    if missing:
        raise SplitError(f"fgnet_top4: test subjects {missing} are not in the FG-NET face store.")
    table["label"] = table["age"].astype(int)
    is_test = table["subject"].astype(int).isin(test_subjects)
    table["fold"] = pd.array(np.where(is_test, 0, -1), dtype="Int64").astype("Int64")
    table.loc[~is_test, "fold"] = pd.NA
    return table


def adience_folds(manifest: pd.DataFrame, n_folds: int, groups=None) -> pd.DataFrame:
    """The official Adience folds; `groups` merges the 8 classes (adience3) when given."""
    table = _base(manifest)
    folds = manifest["fold"].astype(int).to_numpy()
    if sorted(set(folds)) != list(range(n_folds)):
        raise SplitError(
            f"Adience: the config declares {n_folds} folds, the face store has folds "
            f"{sorted(set(folds))}."
        )
    labels = manifest["age_group"].astype(int).to_numpy()
    if groups is not None:
        mapping = {old: new for new, members in enumerate(groups) for old in members}
        labels = np.array([mapping[label] for label in labels])
    table["label"] = labels
    table["fold"] = pd.array([pd.NA] * len(table), dtype="Int64")
    for k, (_, test) in enumerate(PredefinedSplit(folds).split()):
        table.loc[test, "fold"] = k
    return table


def without_face(manifest: pd.DataFrame) -> np.ndarray:
    """Which pictures of a manifest the store keeps whole, without a detected face (`face_found`
    false; a manifest without the column has none)."""
    if "face_found" not in manifest:
        return np.zeros(len(manifest), dtype=bool)
    return manifest["face_found"].astype(str).str.lower().eq("false").to_numpy()


def train_val_split(manifest: pd.DataFrame, validation_fraction: float, seed: int,
                    no_face: str) -> pd.DataFrame:
    """Seeded train/validation split grouped by identity (no person on both sides).

    With `no_face: drop`, pictures the store keeps whole without a detected face (for the unified
    benchmark, `plan.settings.prepare_options`) get `split = no_face`: neither trained nor
    validated on, and the others split exactly as if they had never been stored.
    """
    table = _base(manifest)
    table["label"] = table["age"].astype(int)
    faceless = without_face(manifest) if no_face == "drop" else np.zeros(len(table), dtype=bool)
    faces = table[~faceless]
    splitter = GroupShuffleSplit(n_splits=1, test_size=validation_fraction, random_state=seed)
    _, val = next(splitter.split(faces, groups=faces["subject"]))
    table["split"] = np.where(faceless, "no_face", "train")
    table.loc[faces.index[val], "split"] = "val"
    if faceless.any():
        log.info("%d pictures without a detected face left out of the split (no_face: drop)", int(faceless.sum()))
    return table


def make_split(name: str, spec: dict, manifest: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The split table of a benchmark or training set, from its config entry.

    Args:
        name: fgnet, fgnet_top4, adience, adience3, or a training set (imdb, agedb).
        spec: `benchmarks.<name>` (or `datasets.<name>` for training sets) of the config.
        manifest: the face-store manifest of the underlying dataset.
        seed: random seed for the train/validation split.
    """
    protocol = spec.get("protocol", name)
    if protocol == "leave_one_subject_out":
        return fgnet_folds(manifest, list(range(1, int(spec["subjects"]) + 1)))
    if protocol == "holdout_subjects":
        return holdout_subjects(manifest, list(spec["test_subjects"]))
    if protocol == "official_folds":
        return adience_folds(manifest, int(spec["folds"]), spec.get("merge_groups"))
    if protocol == "train_val":
        return train_val_split(manifest, float(spec["validation_fraction"]), seed, spec["no_face"])
    raise ValueError(f"Unknown split protocol. Received: protocol={protocol!r} for {name!r}")


def in_fold(split: pd.DataFrame, fold: int) -> pd.Series:
    """Boolean mask of the faces whose test fold is `fold` (faces without a fold: False): the one
    definition of a fold's test set; every other face of the benchmark is its training data."""
    return (split["fold"].astype("Int64") == fold).fillna(False).astype(bool)


def fold_parts(split: pd.DataFrame, fold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training faces, test faces) of a benchmark fold (`in_fold`).

    Raises:
        ValueError: the fold has no test or no training faces.
    """
    mask = in_fold(split, fold)
    train, test = split[~mask], split[mask]
    if test.empty:
        raise ValueError(f"Fold {fold} has no test faces.")
    if train.empty:
        raise ValueError(f"Fold {fold} has no training faces.")
    return train, test


@dataclass(frozen=True)
class Part:
    """Which faces of a split table a training run uses.

    Attributes:
        test_fold: None: a training set's own `split` column (`train` / `val`, cascade stages).
            A benchmark fold: its faces are the test set, every other face trains (`fold_parts`).
        validation_fraction: with a test fold, hold out this share of the training subjects for
            validation, grouped by subject (the grid search); the test faces are then not used.
        protocol_split: a split of the unified benchmark (`data.unified`): its column
            `split<k>` says `trn`, `val` or `tst`; faces of unknown age are left out.
    """

    test_fold: int | None = None
    validation_fraction: float | None = None
    protocol_split: int | None = None


@dataclass(frozen=True)
class FaceSets:
    """The faces of one training run: rows of a split table (`index`, `subject`, `label`, ...)."""

    train: pd.DataFrame
    val: pd.DataFrame | None = None
    test: pd.DataFrame | None = None


def select_faces(split: pd.DataFrame, part: Part, seed: int) -> FaceSets:
    """The training, validation and test faces of `part` of a split table (see `Part`); `seed`
    seeds the validation subjects' choice."""
    if part.protocol_split is not None:
        return protocol_parts(split, part.protocol_split)
    if part.test_fold is None:
        return FaceSets(split[split["split"] == "train"], split[split["split"] == "val"])
    train, test = fold_parts(split, int(part.test_fold))
    if part.validation_fraction is None:
        return FaceSets(train, test=test)
    if train["subject"].nunique() < 2:
        raise ValueError(f"Fold {part.test_fold}: fewer than 2 training subjects, no validation subject left.")
    splitter = GroupShuffleSplit(n_splits=1, test_size=part.validation_fraction, random_state=seed)
    kept, held = next(splitter.split(train, groups=train["subject"]))
    return FaceSets(train.iloc[kept], train.iloc[held])


def protocol_parts(split: pd.DataFrame, number: int) -> FaceSets:
    """The training, validation and test faces of split `number` of a unified split table.

    Raises:
        ValueError: the table has no such split, or one of its parts is empty.
    """
    column = f"split{number}"
    if column not in split:
        raise ValueError(f"The unified split table has no {column} (its splits: "
                         f"{[c for c in split if c.startswith('split')]}).")
    known = split[split["label"].notna()]
    parts = [known[known[column] == part] for part in ("trn", "val", "tst")]
    empty = [name for name, faces in zip(("trn", "val", "tst"), parts) if faces.empty]
    if empty:
        raise ValueError(f"{column}: no faces in {', '.join(empty)}.")
    return FaceSets(*parts)


def database_faces(split: pd.DataFrame) -> pd.DataFrame:
    """Every face of a unified split table with a database entry and a known age: what a
    cross-dataset test uses (the benchmark tests other datasets whole)."""
    return split[split["folder"].notna() & split["label"].notna()]


def label_space(spec: dict, table: pd.DataFrame) -> dict:
    """The label space of a benchmark or training set: one output neuron per class.

    Ages: the sorted distinct ages of the whole prepared dataset (every fold, train and test), so
    every fold and variant has the same output layer (thesis: 91 for IMDB, 63 for FG-NET).
    Adience: the 8 groups, or the merged 3 (adience3), whether or not a fold shows all of them.
    """
    names = class_names(spec)
    if names:
        return {"kind": "group", "values": list(range(len(names))), "names": list(names)}
    values = sorted(int(v) for v in pd.unique(table["label"]))
    return {"kind": "age", "values": values, "names": [str(v) for v in values]}


def write_split(name: str, spec: dict, manifest_path, output_path, labels_path, seed: int) -> pd.DataFrame:
    """Read a face-store manifest, write the split table of `name` (CSV) and its label space (JSON)."""
    manifest = pd.read_csv(manifest_path, dtype={"subject": str})
    table = make_split(name, spec, manifest, seed)
    table.to_csv(output_path, index=False)
    space = {"split": name, "size": 0, **label_space(spec, table)}
    space["size"] = len(space["values"])
    write_text(labels_path, json.dumps(space, indent=1) + "\n")
    log.info("%s: %d faces, label space of %d classes", name, len(table), space["size"])
    return table
