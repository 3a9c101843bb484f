"""Results of the unified benchmark (Paplham & Franc, CVPR 2024): metrics per split, mean and
standard deviation over splits, MAE by true age, and each dataset's table beside the published
numbers (the `evaluate_unified` and `unified_table` rules).

Every metric is computed for the three decision rules from the same probabilities
(`agecascade.decision`): `expected` (the thesis'), `median` (the benchmark's) and `predicted`
(argmax). Measured and published numbers never share a column: the benchmark's results are in
`published_mae`, on rows with `source = literature`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from agecascade.evaluation import (RULE_MAES, cumulative_score, distribution_metrics, read_predictions, rule_maes,
                                   rule_metrics)
from agecascade.group_errors import group_errors
from agecascade.outputs import atomic_path, write_table
from agecascade.vocabulary import Variant

AGE_BIN = 5  # years per bin of the MAE-by-age figure

# The benchmark's published MAE (their repository's results table, intra-dataset, mean over splits,
# decision by the posterior median; ../shared/reference/unified-benchmark.md): every row but FaRL +
# MLP is their ResNet-50 pre-trained on IMDB with that method's loss.
PUBLISHED_METHODS = ("cross-entropy", "regression", "OR-CNN", "DLDL", "Mean-Variance", "SORD", "DLDL-v2",
                     "Unimodal", "FaRL + MLP")
PUBLISHED_DATASETS = ("agedb", "afad", "cacd2000", "clap2016", "morph", "utkface")  # tag keys
PUBLISHED_MAE = {  # method: MAE per dataset, in PUBLISHED_DATASETS' order
    "cross-entropy": (5.81, 3.14, 3.96, 4.49, 2.81, 4.38), "regression": (6.23, 3.17, 4.06, 4.65, 2.83, 4.72),
    "OR-CNN": (5.78, 3.16, 4.01, 4.13, 2.83, 4.40), "DLDL": (5.80, 3.14, 3.96, 4.18, 2.81, 4.39),
    "Mean-Variance": (5.85, 3.16, 4.07, 4.28, 2.83, 4.42), "SORD": (5.81, 3.14, 3.96, 4.27, 2.81, 4.36),
    "DLDL-v2": (5.80, 3.15, 3.96, 4.23, 2.82, 4.42), "Unimodal": (5.90, 3.20, 4.10, 4.17, 2.78, 4.47),
    "FaRL + MLP": (5.64, 3.12, 3.96, 3.38, 3.04, 3.87)}
PUBLISHED_SOURCE = {
    "resnet50": "Paplham & Franc, CVPR 2024 (arXiv 2307.04570), repository results table: ResNet-50 pre-trained "
                "on ImageNet and IMDB (checkpoint given out by e-mail only), this loss, whole network, Adam 1e-4, "
                "batch 100, 50 epochs, aligned_bbox crop at 256 px",
    "farl": "Paplham & Franc, CVPR 2024, repository results table: FaRL (a CLIP-style face model) frozen with an MLP "
            "head; its configurations and checkpoints were never published (their issue 23)"}
# what a measured row must share with their IMDB-pretrained ResNet-50 cross-entropy row to stand beside it
COMPARABLE = {"backbone": "resnet50", "pretraining": "imdb", "crop": "aligned_bbox", "recipe": "benchmark"}
PUBLISHED_INPUT_SIZE = 256


def published(tag: str) -> dict[str, float]:
    """{method: published MAE} on the dataset answering to `tag` (a tag key), or {}."""
    if tag not in PUBLISHED_DATASETS:
        return {}
    column = PUBLISHED_DATASETS.index(tag)
    return {method: maes[column] for method, maes in PUBLISHED_MAE.items()}


def split_rows(predictions: pd.DataFrame, split: pd.DataFrame) -> pd.DataFrame:
    """One row per (split, tested_on): faces, the three rules' MAE, CS(5), bias per decade, and
    the MAE of predicting the split's mean training age (what a model that learned nothing scores)."""
    rows = []
    for (number, tested_on), group in predictions.groupby(["split", "tested_on"], sort=True):
        trained = split.loc[split[f"split{number}"] == "trn", "label"].dropna()
        rows.append({"split": str(number), "tested_on": tested_on, "n": len(group), **rule_metrics(group),
                     **benchmark_cs5(group), **distribution_metrics(group),
                     "mean_predictor_mae": float((group["true"] - trained.mean()).abs().mean())})
    return pd.DataFrame(rows)


def benchmark_cs5(predictions: pd.DataFrame) -> dict:
    """CS(5) as the benchmark computes it: the share of faces whose posterior-median prediction is
    within 5 years (`cs5`), and the expected value's beside it (`cs5_expected`, the thesis' rule)."""
    return {"cs5": cumulative_score(predictions, "median"), "cs5_expected": cumulative_score(predictions)}


def summarise(per_split: pd.DataFrame) -> pd.DataFrame:
    """`mean` and `std` rows over splits per tested_on, as the benchmark computes them: numpy's
    population standard deviation (ddof 0; 0 with one split), the number of splits beside."""
    rows = []
    numbers = [c for c in per_split if c not in ("split", "tested_on")]
    for tested_on, group in per_split.groupby("tested_on", sort=True):
        values = group[numbers].astype(float)
        rows.append({"split": "mean", "tested_on": tested_on, **values.mean().to_dict(), "splits": len(group)})
        rows.append({"split": "std", "tested_on": tested_on, **values.std(ddof=0).to_dict(), "splits": len(group)})
    return pd.DataFrame(rows)


def mae_by_age(predictions: pd.DataFrame) -> pd.DataFrame:
    """MAE of each rule per 5-year bin of true age and tested_on, pooled over splits."""
    binned = predictions.assign(age_from=(predictions["true"] // AGE_BIN * AGE_BIN).astype(int))
    rows = []
    for (tested_on, start), group in binned.groupby(["tested_on", "age_from"], sort=True):
        rows.append({"tested_on": tested_on, "age_from": start, "age_to": start + AGE_BIN - 1, "n": len(group),
                     **rule_maes(group)})
    return pd.DataFrame(rows)


def evaluate_unified(prediction_paths: dict, split_csv, metrics_path, by_age_path, groups=None) -> pd.DataFrame:
    """Write a variant's metrics (per split and tested_on, then mean and std over splits), its
    MAE by true age and, with `groups`, its errors per age group and sex per test set.

    Args:
        prediction_paths: {split number: predictions.csv of that split's job}.
        split_csv: the trained dataset's unified split table (for the training-mean predictor).
        groups: ({tested_on: manifest}, output), or None.
    """
    predictions = read_predictions(prediction_paths).rename(columns={"fold": "split"})
    if groups:
        write_unified_groups(predictions, *groups)
    per_split = split_rows(predictions, pd.read_csv(split_csv))
    metrics = pd.concat([per_split, summarise(per_split)], ignore_index=True)
    biases = sorted((c for c in metrics if c.startswith("bias_")), key=lambda c: int(c.split("_")[1].split("-")[0]))
    metrics = metrics[[c for c in metrics if not c.startswith("bias_")] + biases]  # decades in order
    for table, path in ((metrics, metrics_path), (mae_by_age(predictions), by_age_path)):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as partial:
            table.to_csv(partial, index=False)
    return metrics


def write_unified_groups(predictions: pd.DataFrame, manifests: dict, output) -> pd.DataFrame:
    """The errors per age group and sex of each test set (pooled over the splits), `tested_on`
    beside each row."""
    tables = []
    for tested_on, rows in predictions.groupby("tested_on", sort=False):
        manifest = pd.read_csv(manifests[tested_on], dtype={"gender": str})
        genders = manifest["gender"].to_numpy()[rows["index"].to_numpy(int)] if "gender" in manifest else None
        tables.append(group_errors(rows, genders).assign(tested_on=tested_on))
    table = pd.concat(tables, ignore_index=True)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(output) as partial:
        table.to_csv(partial, index=False)
    return table


def differences(variant: str, context: dict) -> list[str]:
    """How a measured row differs from their IMDB-pretrained ResNet-50 cross-entropy row (`COMPARABLE`)."""
    parsed = Variant.parse(variant)
    ours = {"backbone": parsed.backbone, "pretraining": parsed.pretraining, "crop": context["crop"],
            "recipe": context["recipe"]}
    found = [f"{key} {ours[key]}" for key, wanted in COMPARABLE.items() if ours[key] != wanted]
    if int(context["image_size"]) != PUBLISHED_INPUT_SIZE:
        found.append(f"input {context['image_size']} px")
    if parsed.backbone == "resnet50" and parsed.pretraining == "imdb":
        found.append("IMDB start: VGGFace2 ResNet-50 + our IMDB stage, theirs ImageNet + their IMDB")
    return found


def _comparable(found: list[str]) -> str:
    """Whether a row shares backbone, pretraining, crop and recipe with their cross-entropy row
    (the input size and the IMDB checkpoint can never be theirs)."""
    core = [f for f in found if not f.startswith(("input", "IMDB start"))]
    return "no" if core else "closest to cross-entropy"


def _measured_rows(metrics: dict[str, str | Path], contexts: dict[str, dict]) -> list[dict]:
    rows = []
    for key, path in metrics.items():
        dataset, variant = key.split("/", 1)
        context = contexts[dataset]
        frame = pd.read_csv(path, dtype={"split": str})
        for tested_on, group in frame.groupby("tested_on", sort=False):
            mean, std = (group[group["split"] == s].iloc[0] for s in ("mean", "std"))
            found = differences(variant, context)
            row = {"model": str(Variant.parse(variant)), "dataset": dataset, "crop": context["crop"],
                   "recipe": context["recipe"], "input_size": int(context["image_size"]), "source": "measured",
                   "tested_on": tested_on, "protocol": "intra-dataset" if tested_on == dataset else "cross-dataset",
                   "splits": str(int(mean["splits"])),
                   "comparable": _comparable(found), "differences": "; ".join(found)}
            for name in (*RULE_MAES.values(), "cs5", "cs5_expected", "mean_predictor_mae"):
                if name in mean:
                    row[name], row[f"{name}_std"] = mean[name], std[name]
            rows.append(row)
    return sorted(rows, key=lambda r: (r["protocol"] != "intra-dataset", r["tested_on"], r["mae_median"]))


def unified_table(table: str, metrics: dict[str, str | Path], contexts: dict[str, dict]) -> pd.DataFrame:
    """A dataset's table (its configurations under each crop together): per variant, crop and test
    set, each rule's MAE, CS(5) and the training-mean MAE as mean and std over splits, the recipe,
    and how the row differs from the published IMDB ResNet-50 row; then the benchmark's published
    MAE on `literature` rows, each with its `published_source`.

    Args:
        metrics: {"<dataset>/<variant>": metrics.csv}.
        contexts: {dataset: {crop, recipe, image_size, tag}}.
    """
    rows = _measured_rows(metrics, contexts)
    tag = next(iter(contexts.values()))["tag"]
    rows += [{"model": method, "source": "literature", "tested_on": table, "protocol": "intra-dataset",
              "crop": "aligned_bbox", "recipe": "benchmark", "input_size": PUBLISHED_INPUT_SIZE,
              "published_mae": mae, "published_source": PUBLISHED_SOURCE["farl" if "FaRL" in method else "resnet50"]}
             for method, mae in published(tag).items()]
    columns = ["model", "dataset", "crop", "recipe", "input_size", "source", "tested_on", "protocol", "splits"]
    for name in (*RULE_MAES.values(), "cs5", "cs5_expected", "mean_predictor_mae"):
        columns += [name, f"{name}_std"]
    return pd.DataFrame(rows).reindex(columns=[*columns, "comparable", "differences", "published_mae",
                                               "published_source"])


def write_unified_table(table: str, metrics: dict, contexts: dict, output_csv) -> pd.DataFrame:
    """Write a dataset's table as CSV and Markdown (same stem)."""
    frame = unified_table(table, metrics, contexts)
    write_table(frame, Path(output_csv).with_suffix(""))
    return frame


def cross_matrix(metrics: dict[str, str | Path]) -> pd.DataFrame:
    """The cross-dataset matrix as their paper draws it: one row per (variant, trained on), one
    column per test set, the posterior median's MAE (mean over splits)."""
    rows = []
    for key, path in metrics.items():
        dataset, variant = key.split("/", 1)
        frame = pd.read_csv(path, dtype={"split": str})
        means = frame[frame["split"] == "mean"].set_index("tested_on")["mae_median"]
        rows.append({"model": str(Variant.parse(variant)), "trained_on": dataset, **means.to_dict()})
    return pd.DataFrame(rows)


def write_cross_matrix(metrics: dict, output_csv) -> pd.DataFrame:
    frame = cross_matrix(metrics)
    write_table(frame, Path(output_csv).with_suffix(""))
    return frame


def summary_lines(tables: dict[str, str | Path]) -> list[str]:
    """The summary's lines: per dataset and variant, the three rules' MAE (mean over splits) on
    each test set beside the training-mean predictor's."""
    lines = []
    for dataset, path in tables.items():
        table = pd.read_csv(path)
        measured = table[table["source"] == "measured"]
        literature = table.loc[table["source"] == "literature", "published_mae"]
        best = f", published best {literature.min():.2f}" if len(literature) else ""
        lines.append(f"Unified benchmark (Paplham & Franc 2024), trained on {dataset}{best}: MAE expected / median / "
                     "argmax, mean over splits")
        for _, row in measured.iterrows():
            verdict = "beats" if row["mae_median"] < row["mean_predictor_mae"] else "does NOT beat"
            lines.append(f"  {row['model']:24s} {row['crop']:12s} on {row['tested_on']:13s} "
                         f"({int(row['splits'])} splits) "
                         f"{row['mae_expected']:6.2f} / {row['mae_median']:6.2f} / {row['mae_argmax']:6.2f}   "
                         f"training mean {row['mean_predictor_mae']:6.2f} ({verdict} it)")
    return lines
