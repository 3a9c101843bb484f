"""Metrics of the benchmark predictions (the `evaluate` rule), with scikit-learn.

* Age benchmarks (fgnet, fgnet_top4): per fold MAE and median absolute error; summary (thesis
  Table 4): `mae` over all test faces, and `median_ae`, `fold_mae_q1`, `fold_mae_q3`: the median
  and the lower / upper quartile **of the per-fold MAEs** (the 82 values the thesis' Figures 10
  and 11 box-plot; its VGG-16-IMDB-AgeDB row, MAE 2.68, MedianAE 2.24, quartiles 3.35 / 1.58, fits
  that distribution); the same statistics of the per-face absolute errors as `pooled_median_ae`,
  `pooled_ae_q1`, `pooled_ae_q3`; quartiles with numpy's linear interpolation; a 95% confidence
  interval of the mean absolute error (normal approximation over all test faces: mean +- 1.96 sd
  / sqrt(n)); R^2 per
  fold and pooled over all out-of-fold predictions (`r2`, the meaningful one under leave one
  person out: a fold holds one person's few ages) and the mean of the per-fold values
  (`r2_fold_mean`, strongly negative when a person's ages span little); for
  fgnet_top4 also the confusion matrix of true vs predicted age.
* Group benchmarks (adience, adience3): per fold exact and 1-off accuracy and the majority-class
  rate of the fold's test faces (what always answering the most frequent class would score);
  summary: mean and standard deviation over folds; the confusion matrix with per-class precision
  and recall.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    mean_absolute_error,
    median_absolute_error,
    precision_recall_fscore_support,
    r2_score,
)

from agecascade import calibration
from agecascade.data.folds import fold_parts
from agecascade.group_errors import group_errors

def read_predictions(paths: dict[int, str | Path]) -> pd.DataFrame:
    """All folds' predictions in one table with a `fold` column.

    Raises:
        ValueError: a fold's predictions hold NaN, infinite or missing values (its training
            diverged, or the file is cut off), naming the fold and the file.
    """
    frames = []
    for fold, path in sorted(paths.items()):
        frame = pd.read_csv(path)
        numbers = frame[[c for c in frame if c == "expected" or c == "predicted" or c.startswith("p_")]]
        bad = ~np.isfinite(numbers.to_numpy(dtype=float))
        if bad.any():
            raise ValueError(f"Fold {fold}: {int(bad.any(axis=1).sum())} of {len(frame)} predictions in {path} are "
                             "NaN, infinite or missing (a diverged or cut-off training): rerun that fold.")
        frames.append(frame.assign(fold=int(fold)))
    return pd.concat(frames, ignore_index=True)


def distributions(predictions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(the model's own probabilities, the calibrated ones, the ages of the classes) of a
    predictions table: its `p_<name>` columns, each face at its row's `temperature` (1.0 where it
    has none). Group classes ("p_0-2": `true` is a class index) have no ages: None."""
    columns = [c for c in predictions if c.startswith("p_")]
    raw = predictions[columns].to_numpy(dtype=np.float64)
    try:
        values = np.array([float(c[2:]) for c in columns])
    except ValueError:  # group names
        values = None
    temperature = predictions["temperature"].to_numpy(float) if "temperature" in predictions else np.ones(len(raw))
    calibrated = raw.copy()
    for t in np.unique(temperature):
        calibrated[temperature == t] = calibration.temper(raw[temperature == t], float(t))
    return raw, calibrated, values


def distribution_metrics(predictions: pd.DataFrame) -> dict:
    """How far the predicted distributions can be trusted, calibrated and `_uncalibrated`
    (`agecascade.calibration`): for ages the coverage of the central 50/80/90 % intervals, the
    80 % interval's width and the NLL of the true age; for groups the top class' ECE and the NLL.
    Empty for predictions without distributions (a regressor's)."""
    if not any(c.startswith("p_") for c in predictions):
        return {}
    raw, calibrated, values = distributions(predictions)
    if values is not None:
        metrics = calibration.interval_metrics(raw, values, predictions["true"], 1.0)
        tempered = calibration.interval_metrics(calibrated, values, predictions["true"], 1.0)
        return {**{k: v for k, v in tempered.items() if not k.endswith("_uncalibrated")},
                **{k: v for k, v in metrics.items() if k.endswith("_uncalibrated")}}
    classes = predictions["true"].to_numpy(int)
    return {"ece": calibration.ece(calibrated, classes), "nll": calibration.nll(calibrated, classes),
            "ece_uncalibrated": calibration.ece(raw, classes), "nll_uncalibrated": calibration.nll(raw, classes)}


def summary_rows(path) -> list[tuple[str, dict]]:
    """(tested_on, summary) of a metrics file: a fold benchmark's summary row (tested_on ""), or a
    unified variant's mean over splits per test set."""
    table = pd.read_csv(path, dtype={"fold": str, "split": str})
    if "split" in table:
        return [(row["tested_on"], row.to_dict()) for _, row in table[table["split"] == "mean"].iterrows()]
    return [("", table[table["fold"] == "summary"].iloc[0].to_dict())]


def mean_predictor(split: pd.DataFrame, fold: int) -> float:
    """The trivial predictor of a fold: the mean age of its training faces."""
    return float(fold_parts(split, fold)[0]["label"].mean())


def age_metrics(predictions: pd.DataFrame, split: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-fold rows and a `summary` row of age-estimation metrics.

    With the split table, every row also gets `mean_predictor_mae`: the MAE of predicting the
    fold's mean training age for every test face (what a model that learned nothing achieves).
    """
    rows = []
    baseline = pd.Series(np.nan, index=predictions.index)
    for fold, group in predictions.groupby("fold"):
        row = {"fold": str(fold), "n": len(group),
               "mae": mean_absolute_error(group["true"], group["expected"]),
               "median_ae": median_absolute_error(group["true"], group["expected"]),
               "r2": _r2(group), **distribution_metrics(group)}
        if split is not None:
            baseline[group.index] = mean_predictor(split, int(fold))
            row["mean_predictor_mae"] = mean_absolute_error(group["true"], baseline[group.index])
        rows.append(row)
    per_fold = pd.DataFrame(rows)
    errors = (predictions["true"] - predictions["expected"]).abs()
    low, high = ci95(errors)
    summary = {
        "fold": "summary", "n": len(predictions),
        "mae": errors.mean(),
        "median_ae": per_fold["mae"].median(),
        "fold_mae_q1": per_fold["mae"].quantile(0.25),
        "fold_mae_q3": per_fold["mae"].quantile(0.75),
        "pooled_median_ae": float(np.median(errors)),
        "pooled_ae_q1": errors.quantile(0.25),
        "pooled_ae_q3": errors.quantile(0.75),
        "ci95_low": low,
        "ci95_high": high,
        "folds": len(per_fold),
        "r2": _r2(predictions),
        "r2_fold_mean": per_fold["r2"].mean(),
    }
    if split is not None:
        summary["mean_predictor_mae"] = float((predictions["true"] - baseline).abs().mean())
    summary.update({**rule_metrics(predictions), **distribution_metrics(predictions)})
    return pd.concat([per_fold, pd.DataFrame([summary])], ignore_index=True)


# each decision rule (`agecascade.decision.RULES`): its column in a predictions file (the argmax's
# is `predicted`, with `predicted_class` beside it) and the name of its MAE in a metrics file
RULE_COLUMNS = {"expected": "expected", "median": "median", "argmax": "predicted"}
RULE_MAES = {rule: f"mae_{rule}" for rule in RULE_COLUMNS}


def rule_maes(predictions: pd.DataFrame) -> dict:
    """The MAE of each decision rule the predictions carry (`RULE_MAES`; the `predicted` column is
    the argmax only for a classifier, with `predicted_class`: a regressor's is its output)."""
    carried = {rule: column for rule, column in RULE_COLUMNS.items() if column in predictions
               and (rule != "argmax" or "predicted_class" in predictions)}
    return {RULE_MAES[rule]: float((predictions[column] - predictions["true"]).abs().mean())
            for rule, column in carried.items()}


CS_YEARS = 5  # CS(5): the share of faces predicted within 5 years


def cumulative_score(predictions: pd.DataFrame, column: str = "expected") -> float:
    """CS(5) of one decision rule's column: the share of faces within `CS_YEARS` of their true age."""
    return float(((predictions[column] - predictions["true"]).abs() <= CS_YEARS).mean())


def rule_metrics(predictions: pd.DataFrame) -> dict:
    """MAE of each decision rule the predictions carry (`expected`, `median`, `argmax`:
    `agecascade.decision`), the share within 5 years of the expected value (CS(5)), and the mean
    signed error of the expected value (bias: positive = too old) per decade of true age."""
    metrics = rule_maes(predictions)
    error = predictions["expected"] - predictions["true"]
    metrics["cs5"] = cumulative_score(predictions)
    decades = (predictions["true"] // 10 * 10).astype(int)
    for decade, errors in error.groupby(decades):
        metrics[f"bias_{decade}-{decade + 9}"] = float(errors.mean())
    return metrics


def ci95(values: pd.Series) -> tuple[float, float]:
    """95 % confidence interval of the mean of per-face values (thesis: "around the mean based on
    the standard deviation of the errors"; normal approximation: mean +- 1.96 sd / sqrt(n))."""
    if len(values) < 2:
        return float("nan"), float("nan")
    half_width = 1.96 * float(values.std(ddof=1)) / np.sqrt(len(values))
    return float(values.mean()) - half_width, float(values.mean()) + half_width


def _r2(predictions: pd.DataFrame) -> float:
    """R^2 of expected vs true age; NaN where undefined (fewer than 2 faces, or one true age)."""
    if len(predictions) < 2 or predictions["true"].nunique() < 2:
        return float("nan")
    return float(r2_score(predictions["true"], predictions["expected"]))


def group_metrics(predictions: pd.DataFrame) -> pd.DataFrame:
    """Per-fold rows and a `summary` row of exact and 1-off accuracy (mean and std over folds)."""
    rows = []
    for fold, group in predictions.groupby("fold"):
        distance = (group["true"] - group["predicted_class"]).abs()
        rows.append({"fold": str(fold), "n": len(group),
                     "accuracy": accuracy_score(group["true"], group["predicted_class"]),
                     "one_off_accuracy": float((distance <= 1).mean()),
                     "majority_rate": float(group["true"].value_counts(normalize=True).iloc[0]),
                     **distribution_metrics(group)})
    per_fold = pd.DataFrame(rows)
    low, high = ci95(1.0 - (predictions["true"] != predictions["predicted_class"]).astype(float))
    summary = {"fold": "summary", "n": len(predictions),
               "accuracy": per_fold["accuracy"].mean(),
               # the thesis' interval: around the mean, from the standard deviation of the per-face errors
               "accuracy_ci95_low": low, "accuracy_ci95_high": high,
               "accuracy_std": per_fold["accuracy"].std(ddof=1) if len(per_fold) > 1 else 0.0,
               "one_off_accuracy": per_fold["one_off_accuracy"].mean(),
               "one_off_accuracy_std": per_fold["one_off_accuracy"].std(ddof=1) if len(per_fold) > 1 else 0.0,
               "majority_rate": per_fold["majority_rate"].mean(),
               "folds": len(per_fold), **distribution_metrics(predictions)}
    return pd.concat([per_fold, pd.DataFrame([summary])], ignore_index=True)


def confusion(predictions: pd.DataFrame, names: list[str] | None = None) -> pd.DataFrame:
    """Confusion matrix (rows: true, columns: predicted) with per-class precision and recall.

    For age benchmarks (no names) classes are whole years: the true age and the expected age
    rounded to the nearest year.
    """
    if names is None:
        true = predictions["true"].round().astype(int)
        predicted = predictions["expected"].round().astype(int)
        labels = sorted(set(true) | set(predicted))
        names = [str(label) for label in labels]
    else:
        true, predicted = predictions["true"].astype(int), predictions["predicted_class"].astype(int)
        labels = list(range(len(names)))
    matrix = confusion_matrix(true, predicted, labels=labels)
    precision, recall, _, _ = precision_recall_fscore_support(true, predicted, labels=labels, zero_division=0)
    table = pd.DataFrame(matrix, index=[f"true {n}" for n in names], columns=[f"predicted {n}" for n in names])
    table["recall"] = recall
    precision_row = pd.DataFrame([list(precision) + [np.nan]], index=["precision"], columns=table.columns)
    return pd.concat([table, precision_row])


def evaluate(prediction_paths: dict, split_csv, metrics_path, confusion_path=None, class_names=None,
             groups: tuple | None = None):
    """Write the metrics table (and the confusion matrix where the benchmark has one).

    Args:
        prediction_paths: {fold number: predictions.csv}.
        split_csv: the benchmark's split (for the mean predictor of age benchmarks).
        metrics_path: output: per-fold rows and a summary row.
        confusion_path: output: confusion matrix, or None.
        class_names: group names (Adience benchmarks) or None (age in years).
        groups: (the dataset's manifest, output): the errors per age group and sex
            (`agecascade.group_errors`); None or an output of None: none written.
    """
    predictions = read_predictions(prediction_paths)
    is_age = class_names is None
    metrics = age_metrics(predictions, pd.read_csv(split_csv)) if is_age else group_metrics(predictions)
    Path(metrics_path).parent.mkdir(parents=True, exist_ok=True)
    metrics.to_csv(metrics_path, index=False)
    if confusion_path:
        confusion(predictions, None if is_age else list(class_names)).to_csv(confusion_path)
    if groups and groups[1]:  # an evaluation without a groups output (the regression's) writes none
        manifest, output = groups
        write_group_errors(predictions, pd.read_csv(manifest, dtype={"gender": str}), output, class_names)
    return metrics


def write_group_errors(predictions: pd.DataFrame, manifest: pd.DataFrame, output, class_names=None) -> pd.DataFrame:
    """The errors per age group and sex of predictions whose `index` are rows of `manifest`."""
    genders = manifest["gender"].to_numpy()[predictions["index"].to_numpy(int)] if "gender" in manifest else None
    table = group_errors(predictions, genders, class_names)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(output, index=False)
    return table
