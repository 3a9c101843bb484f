"""IMDB (of IMDB-WIKI): `imdb_crop/imdb.mat` metadata and the study's cleaning rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.io

# Cleaning rules in the order they are applied; a row is counted under the first rule it breaks.
# thesis section 3: age 0-100, face score >= 1.0, one face only, gender known.
DROP_REASONS = ("invalid_dob", "no_face", "low_face_score", "second_face", "age_out_of_range",
                "gender_unknown")


def load_mat(path: str | Path) -> dict[str, np.ndarray]:
    """Read the `imdb` (or `wiki`) struct of an IMDB-WIKI .mat file into flat arrays."""
    mat = scipy.io.loadmat(path)
    key = "imdb" if "imdb" in mat else "wiki"
    meta = mat[key][0, 0]
    fields = {}
    for name in ("dob", "photo_taken", "gender", "face_score", "second_face_score", "celeb_id"):
        if name in meta.dtype.names:
            fields[name] = np.asarray(meta[name][0], dtype=np.float64)
    fields["full_path"] = np.array([str(p[0]) for p in meta["full_path"][0]], dtype=object)
    fields["name"] = np.array(
        [str(n[0]) if len(n) else "" for n in meta["name"][0]], dtype=object
    )
    fields["face_location"] = np.array(
        [np.asarray(loc, dtype=np.float64).reshape(-1)[:4] for loc in meta["face_location"][0]]
    )
    if "celeb_id" not in fields:  # the wiki struct has no celeb_id: use the name
        fields["celeb_id"] = pd.factorize(fields["name"])[0].astype(np.float64)
    return fields


def birth_year_month(datenum: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year and month of MATLAB datenums, and a mask of datenums that are valid dates."""
    years = np.zeros(len(datenum), dtype=np.int64)
    months = np.zeros(len(datenum), dtype=np.int64)
    valid = np.isfinite(datenum) & (datenum >= 367)
    for i in np.flatnonzero(valid):
        try:
            date = dt.date.fromordinal(int(datenum[i]) - 366)
        except (ValueError, OverflowError):
            valid[i] = False
            continue
        years[i], months[i] = date.year, date.month
    return years, months, valid


def ages(fields: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Age in years at the photo, taken on 1 July of `photo_taken` (the dataset's definition)."""
    years, months, valid = birth_year_month(fields["dob"])
    age = fields["photo_taken"] - years - (months >= 7)
    return np.where(valid, age, np.nan), valid


LAYOUT = "a folder holding imdb.mat beside the <NN>/ picture folders (imdb_crop/)"


def looks_like_root(path: Path) -> bool:
    return (path / "imdb.mat").is_file()


def read(root: Path, label_policy: str | None, cleaning: dict):
    """The registry's parser interface (`agecascade.datasets`): `cleaning` holds every
    threshold (`datasets.imdb.cleaning`, filled with the schema's defaults)."""
    return read_imdb(root, **cleaning)


def read_imdb(root: Path, *, min_face_score: float, min_age: int, max_age: int):
    """Parse and clean IMDB.

    Args:
        root: folder holding `imdb.mat` and the `<NN>/` picture folders.
        min_face_score, min_age, max_age: the cleaning thresholds (`datasets.imdb.cleaning`; the
            config schema's defaults are the study's: 1.0, 0, 100).

    Returns:
        (records, dropped): a DataFrame with one row per kept picture (source, path, subject,
        age, gender, box) and the number of rows dropped per reason.
    """
    mat_path = root / "imdb.mat"
    if not mat_path.is_file():
        raise FileNotFoundError(f"IMDB metadata {mat_path} not found.")
    fields = load_mat(mat_path)
    age, valid_dob = ages(fields)
    rules = {
        "invalid_dob": ~valid_dob,
        "no_face": ~np.isfinite(fields["face_score"]),
        "low_face_score": fields["face_score"] < min_face_score,
        "second_face": ~np.isnan(fields["second_face_score"]),
        "age_out_of_range": (age < min_age) | (age > max_age),
        "gender_unknown": ~np.isin(fields["gender"], (0.0, 1.0)),
    }
    keep = np.ones(len(age), dtype=bool)
    dropped = {}
    for reason in DROP_REASONS:
        hit = keep & rules[reason]
        dropped[reason] = int(hit.sum())
        keep &= ~hit
    boxes = fields["face_location"][keep]
    # MATLAB's face_location is 1-based and inclusive: (x1, y1, x2, y2) -> 0-based, x2 exclusive
    boxes = np.column_stack([boxes[:, 0] - 1, boxes[:, 1] - 1, boxes[:, 2], boxes[:, 3]])
    records = pd.DataFrame(
        {
            "source": fields["full_path"][keep],
            "subject": fields["celeb_id"][keep].astype(np.int64).astype(str),
            "age": age[keep].astype(np.int64),
            "gender": np.where(fields["gender"][keep] == 1.0, "m", "f"),
            "box": list(map(tuple, boxes)),
        }
    )
    records["path"] = [str(root / p) for p in records["source"]]
    return records, dropped
