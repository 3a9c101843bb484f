"""Errors nobody hides: the MAE per age group and per sex (accuracy per Adience group and per sex
for group models), each with a 95 % bootstrap interval and its number of faces, as NIST's
evaluation of age estimators (FATE AEV) reports them.

The bootstrap resamples subjects when the faces carry subjects and some subject has several
faces (FG-NET: about 12 faces a person; their errors are not independent), faces otherwise;
`resampled` says which. Fixed seed, 1,000 resamples (`agecascade.calibration.bootstrap_interval`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from agecascade.calibration import bootstrap_interval

# (lowest age, highest age or None, label): children and the elderly named as such
AGE_GROUPS = ((0, 12, "0-12 (children)"), (13, 17, "13-17"), (18, 29, "18-29"), (30, 44, "30-44"),
              (45, 59, "45-59"), (60, 69, "60-69"), (70, None, "70+ (elderly)"))
SEXES = {"m": "male", "f": "female"}
COLUMNS = ["grouping", "group", "n", "metric", "value", "ci95_low", "ci95_high", "resampled"]


def age_group(ages) -> pd.Series:
    """The age group (`AGE_GROUPS`) of each age in years."""
    ages = pd.Series(np.asarray(ages, dtype=float))
    labels = pd.Series("", index=ages.index, dtype=object)
    for low, high, label in AGE_GROUPS:
        labels[(ages >= low) & (ages <= (np.inf if high is None else high))] = label
    return labels


def _row(grouping: str, group: str, scores: pd.DataFrame, metric: str) -> dict:
    subjects = scores["subject"] if "subject" in scores else None
    low, high = bootstrap_interval(scores["score"], groups=subjects)
    return {"grouping": grouping, "group": group, "n": len(scores), "metric": metric,
            "value": float(scores["score"].mean()), "ci95_low": low, "ci95_high": high,
            "resampled": "subjects" if subjects is not None else "faces"}


def group_errors(predictions: pd.DataFrame, genders=None, class_names=None) -> pd.DataFrame:
    """One row per age group and per sex: `n`, the `metric` (`mae`; `accuracy` for a group model,
    with `class_names`), its `value` and 95 % bootstrap interval.

    Args:
        predictions: a predictions table (`true`, `expected` or `predicted_class`, `subject`).
        genders: "m" / "f" per face (the dataset's manifest), or None: the sex rows then say the
            dataset does not record it.
        class_names: the Adience groups of a group model (`true` is a class index), or None.
    """
    if class_names is None:
        scores = pd.DataFrame({"score": (predictions["expected"] - predictions["true"]).abs().to_numpy(),
                               "group": age_group(predictions["true"]).to_numpy()})
        metric, grouping, order = "mae", "age group", [label for _, _, label in AGE_GROUPS]
    else:
        true = predictions["true"].to_numpy(int)
        scores = pd.DataFrame({"score": (predictions["predicted_class"].to_numpy(int) == true).astype(float),
                               "group": np.asarray(class_names)[true]})
        metric, grouping, order = "accuracy", "Adience group", list(class_names)
    if "subject" in predictions and predictions["subject"].duplicated().any():  # resample subjects
        scores["subject"] = predictions["subject"].astype(str).to_numpy()
    rows = [_row(grouping, group, scores[scores["group"] == group], metric) for group in order
            if (scores["group"] == group).any()]
    sexes = None if genders is None else pd.Series(np.asarray(genders, dtype=object)).str.lower().map(SEXES)
    if sexes is None or sexes.isna().all():
        rows.append({"grouping": "sex", "group": "not recorded by the dataset", "n": len(scores), "metric": metric})
    else:
        rows += [_row("sex", name, scores[(sexes == name).to_numpy()], metric) for name in SEXES.values()
                 if (sexes == name).any()]
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def largest_gap(table: pd.DataFrame) -> dict | None:
    """The two groups of one grouping whose values lie furthest apart (worst and best), or None."""
    measured = table.dropna(subset=["value"])
    gaps = []
    for grouping, rows in measured.groupby("grouping"):
        if len(rows) > 1:
            worst, best = (rows.loc[rows["value"].idxmax()], rows.loc[rows["value"].idxmin()])
            if rows["metric"].iloc[0] == "accuracy":
                worst, best = best, worst
            gaps.append({"grouping": grouping, "worst": worst["group"], "worst_value": worst["value"],
                         "best": best["group"], "best_value": best["value"], "metric": rows["metric"].iloc[0],
                         "gap": abs(worst["value"] - best["value"])})
    return max(gaps, key=lambda g: g["gap"]) if gaps else None
