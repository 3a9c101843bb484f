"""The study's tables from this run's metrics, with the thesis' values beside them (`tables` rule).

Every table is written as CSV and Markdown. Measured and reported values never share a column:
this run's numbers are in the plain columns (`mae`, `accuracy`, ...), the thesis' in `thesis_*`
columns. Rows of literature baselines (the thesis' Tables 2 and 3) carry `source = literature`
and have their number only in the `thesis_*` column, so a min() or max() over a measured column
never picks a literature value.
"""

from __future__ import annotations

import json
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from agecascade import thesis
from agecascade.backbones.registry import backbone as backbone_spec
from agecascade.download import redact
from agecascade.evaluation import summary_rows
from agecascade.group_errors import COLUMNS, largest_gap
from agecascade.outputs import write_table, write_text
from agecascade.vocabulary import PRETRAINING_LABELS, Variant


def _summary(path) -> dict:
    metrics = pd.read_csv(path, dtype={"fold": str})
    return metrics[metrics["fold"] == "summary"].iloc[0].to_dict()


@dataclass(frozen=True)
class RowColumns:
    """How a table of measured rows beside the thesis' is laid out (Tables 4 and 5).

    Attributes:
        label, key: the columns of the row's label and of its name (variant, feature set).
        measured: {column of the metrics file's summary row: table column}.
        reported: {key of the thesis' row: table column}.
        default_label: (name) -> the label of a row the thesis does not report.
    """

    label: str
    key: str
    measured: dict
    reported: dict
    default_label: Callable


def _rows(names, reported_rows: dict, metrics: dict, layout: RowColumns) -> list[dict]:
    """One row per name: measured where `metrics` has its file, the thesis' values where it has them."""
    rows = []
    for name in names:
        reported = reported_rows.get(name) or {}
        row = {layout.label: reported.get("label") or layout.default_label(name), layout.key: name,
               "source": "measured" if name in metrics else "not run"}
        if name in metrics:
            summary = _summary(metrics[name])
            row.update({column: summary.get(key) for key, column in layout.measured.items()})
            row["folds"] = str(int(summary["folds"]))
        row.update({column: reported.get(key) for key, column in layout.reported.items()})
        rows.append(row)
    return rows


def variant_label(variant: str) -> str:
    """A variant's row label in the thesis' spelling (`VGG-16-IMDB-AgeDB`)."""
    parsed = Variant.parse(variant)
    return f"{backbone_spec(parsed.backbone).label}-{PRETRAINING_LABELS[parsed.pretraining]}"


TABLE4_COLUMNS = RowColumns(
    "model", "variant",
    measured={"mae": "mae", "median_ae": "median_ae", "fold_mae_q3": "upper_quartile", "fold_mae_q1": "lower_quartile",
              "pooled_median_ae": "pooled_median_ae", "pooled_ae_q3": "pooled_upper_quartile",
              "pooled_ae_q1": "pooled_lower_quartile", "ci95_low": "ci95_low", "ci95_high": "ci95_high"},
    reported={"mae": "thesis_mae", "median_ae": "thesis_median_ae", "q3": "thesis_upper_quartile",
              "q1": "thesis_lower_quartile"},
    default_label=lambda variant: variant_label(variant))
TABLE5_COLUMNS = RowColumns(
    "features", "feature_set",
    measured={"mae": "mae", "ci95_low": "ci95_low", "ci95_high": "ci95_high", "r2": "r2",
              "r2_fold_mean": "r2_fold_mean", "fold_mae_q3": "upper_quartile", "fold_mae_q1": "lower_quartile",
              "mean_predictor_mae": "mean_predictor_mae"},
    reported={"mae": "thesis_mae", "r2": "thesis_r2"}, default_label=lambda name: name)


def table4(metrics: dict[str, str | Path]) -> pd.DataFrame:
    """Thesis Table 4: FG-NET per variant: MAE over all test faces; MedianAE and upper / lower
    quartile of the per-fold MAEs (as the thesis' numbers and box plots); the same statistics of
    the per-face errors as `pooled_*` extras. Every thesis row and every measured variant has a
    row (a variant the thesis does not report has empty `thesis_*` columns)."""
    reported_rows = thesis.table4()
    variants = sorted(set(reported_rows) | set(metrics), key=lambda v: Variant.parse(v).order)
    rows = _rows(variants, reported_rows, metrics, TABLE4_COLUMNS)
    for method, mae in thesis.FGNET_BASELINES.items():
        rows.append({"model": method, "variant": "", "source": "literature", "thesis_mae": mae})
    columns = ["model", "variant", "source", "mae", "median_ae", "upper_quartile", "lower_quartile",
               "pooled_median_ae", "pooled_upper_quartile", "pooled_lower_quartile", "ci95_low", "ci95_high",
               "folds", "thesis_mae", "thesis_median_ae", "thesis_upper_quartile", "thesis_lower_quartile"]
    return mark_significance(pd.DataFrame(rows).reindex(columns=columns), "mae", "ci95_low", "ci95_high", True)


def mark_significance(table: pd.DataFrame, value: str, low: str, high: str, lower_is_better: bool) -> pd.DataFrame:
    """Add `significant_vs_best`: whether a measured row's 95 % interval excludes the best
    measured row's (the thesis' rule: intervals around the mean that do not overlap differ
    significantly). The best row is False; rows without an interval are left empty."""
    measured = table[table[low].notna() & table[high].notna()]
    table = table.copy()
    table["significant_vs_best"] = pd.Series([pd.NA] * len(table), index=table.index, dtype="boolean")
    if measured.empty:
        return table
    best = measured[value].idxmin() if lower_is_better else measured[value].idxmax()
    apart = (measured[low] > table.loc[best, high]) | (measured[high] < table.loc[best, low])
    table.loc[measured.index, "significant_vs_best"] = apart.astype(bool)
    return table


def adience_table(metrics_path) -> pd.DataFrame:
    """The Adience result (exact and 1-off accuracy, mean +- std over folds, in percent), beside
    the majority-class rate of the test folds; literature rows carry only `thesis_accuracy`."""
    s = _summary(metrics_path)
    rows = [{"model": "VGG-16-IMDB-AgeDB", "source": "measured", "folds": str(int(s["folds"])),
             "accuracy": 100 * s["accuracy"], "accuracy_std": 100 * s["accuracy_std"],
             "accuracy_ci95_low": 100 * s["accuracy_ci95_low"], "accuracy_ci95_high": 100 * s["accuracy_ci95_high"],
             "one_off_accuracy": 100 * s["one_off_accuracy"], "one_off_accuracy_std": 100 * s["one_off_accuracy_std"],
             "majority_rate": 100 * s["majority_rate"],
             "thesis_accuracy": thesis.ADIENCE["accuracy"], "thesis_accuracy_std": thesis.ADIENCE["accuracy_std"],
             "thesis_one_off_accuracy": thesis.ADIENCE["one_off_accuracy"],
             "thesis_one_off_accuracy_std": thesis.ADIENCE["one_off_accuracy_std"]}]
    for method, accuracy in thesis.ADIENCE_BASELINES.items():
        rows.append({"model": method, "source": "literature", "thesis_accuracy": accuracy})
    return mark_significance(pd.DataFrame(rows), "accuracy", "accuracy_ci95_low", "accuracy_ci95_high", False)


def table6(confusion_path, metrics_path) -> pd.DataFrame:
    """Thesis Table 6 laid out as the thesis': rows true class, columns predicted class, `recall`
    per row, a `precision` row, accuracy (percent) in its own row; the thesis' counts, precision,
    recall and accuracy in `thesis ...` columns."""
    measured = pd.read_csv(confusion_path, index_col=0)
    classes = thesis.TABLE6["classes"]
    matrix = np.asarray(thesis.TABLE6["matrix"], dtype=float)
    thesis_recall = np.diag(matrix) / matrix.sum(axis=1)
    thesis_precision = np.diag(matrix) / matrix.sum(axis=0)
    rows = []
    for i, name in enumerate(classes):
        row = {"true": name}
        row.update({p: int(measured.loc[f"true {name}", f"predicted {p}"]) for p in classes})
        row["recall"] = measured.loc[f"true {name}", "recall"]
        row.update({f"thesis {p}": int(matrix[i, j]) for j, p in enumerate(classes)})
        row["thesis recall"] = thesis_recall[i]
        rows.append(row)
    precision = {"true": "precision", **{p: measured.loc["precision", f"predicted {p}"] for p in classes},
                 **{f"thesis {p}": thesis_precision[j] for j, p in enumerate(classes)}}
    s = _summary(metrics_path)
    # the thesis contradicts itself: its text says 92.59 %, its own matrix gives 4,044 / 4,390 = 92.12 %
    accuracy = {"true": "accuracy (%)", "accuracy": 100 * s["accuracy"],
                "thesis accuracy": thesis.TABLE6["accuracy"],
                "thesis accuracy from its matrix": 100 * np.trace(matrix) / matrix.sum()}
    columns = ["true", *classes, "recall", "accuracy", *[f"thesis {p}" for p in classes], "thesis recall",
               "thesis accuracy", "thesis accuracy from its matrix"]
    return pd.DataFrame([*rows, precision, accuracy]).reindex(columns=columns)


def table5(metrics: dict[str, str | Path]) -> pd.DataFrame:
    """Thesis Table 5: auto-sklearn on CNN features, FG-NET leave one person out (MAE, R^2).

    `r2` is pooled over all out-of-fold predictions; `r2_fold_mean` averages the per-fold values
    (the thesis does not say which it reports; its negative values suggest the latter).
    """
    names = list(thesis.TABLE5) + sorted(set(metrics) - set(thesis.TABLE5))
    rows = _rows(names, thesis.TABLE5, metrics, TABLE5_COLUMNS)
    columns = ["features", "feature_set", "source", "mae", "ci95_low", "ci95_high", "r2", "r2_fold_mean",
               "upper_quartile", "lower_quartile", "mean_predictor_mae", "folds", "thesis_mae", "thesis_r2"]
    return mark_significance(pd.DataFrame(rows).reindex(columns=columns), "mae", "ci95_low", "ci95_high", True)


def _read_json(paths: dict) -> dict[str, dict]:
    return {name: json.loads(Path(path).read_text()) for name, path in paths.items()}


def label_space_sizes(label_spaces: dict) -> dict[str, dict]:
    """{split: {size, kind, values, thesis_size}} from {split: labels.json}."""
    return {name: {"size": space["size"], "kind": space["kind"], "values": space["values"],
                   "thesis_size": thesis.LABEL_SPACE_SIZES.get(name)}
            for name, space in _read_json(label_spaces).items()}


def dataset_counts(reports: dict) -> dict[str, dict]:
    """{dataset: {kept, input_rows, thesis_kept, thesis_of}} from {dataset: prepare report}."""
    return _counts(_read_json(reports))


def _counts(reports: dict[str, dict]) -> dict[str, dict]:
    counts = {}
    for name, report in reports.items():
        reported = thesis.DATASET_COUNTS.get(name, {})
        counts[name] = {"kept": report["kept"], "input_rows": report["input_rows"],
                        "thesis_kept": reported.get("kept"), "thesis_of": reported.get("of")}
    return counts


def provenance(config: dict, workflow_dir: str | Path) -> dict:
    """Config, package versions and git commit of this run."""
    packages = {}
    for name in ("agecascade", "tensorflow", "tensorflow-cpu", "keras", "numpy", "pandas", "scikit-learn",
                 "h5py", "mtcnn", "snakemake", "snakemake-executor-plugin-slurm", "pillow", "seaborn"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=workflow_dir, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=workflow_dir,
                                    capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", None
    return {"git_commit": commit, "git_dirty": dirty, "python": platform.python_version(),
            "platform": platform.platform(), "packages": packages,
            "config": json.loads(redact(json.dumps(config, default=str)))}  # no URL credentials


def _by_row(results: list[dict]) -> dict[tuple[str, str], dict[str, str]]:
    """{(experiment, row): {"metrics": path, "confusion": path}} of `agecascade.plan.Study.table_results`."""
    return {(r["experiment"], r["row"]): {k: v for k, v in r.items() if k not in ("experiment", "row")}
            for r in results}


CALIBRATION_COLUMNS = ["coverage_50", "coverage_80", "coverage_90", "width_80", "nll", "ece"]


def calibration_table(results: dict) -> pd.DataFrame:
    """How far each evaluation's distributions can be trusted: coverage of the central 50/80/90 %
    intervals (nominal 0.5, 0.8, 0.9), the 80 % interval's width, the NLL (ECE for groups), at the
    models' temperatures and `_uncalibrated` beside them."""
    rows = []
    for (experiment, variant), files in sorted(results.items()):
        for tested_on, summary in summary_rows(files["metrics"]):
            if not any(key in summary for key in ("coverage_80", "ece")):
                continue  # a regressor has no distribution
            row = {"experiment": experiment, "variant": variant, "tested_on": tested_on}
            for name in CALIBRATION_COLUMNS:
                row.update({name: summary.get(name), f"{name}_uncalibrated": summary.get(f"{name}_uncalibrated")})
            rows.append(row)
    columns = ["experiment", "variant", "tested_on"] + [f"{n}{s}" for n in CALIBRATION_COLUMNS
                                                       for s in ("", "_uncalibrated")]
    return pd.DataFrame(rows).reindex(columns=columns).dropna(axis=1, how="all")


def groups_table(results: dict) -> pd.DataFrame:
    """The errors per age group and sex of every evaluation (`agecascade.group_errors`)."""
    frames = [pd.read_csv(files["groups"]).assign(experiment=experiment, variant=variant)
              for (experiment, variant), files in sorted(results.items()) if "groups" in files]
    if not frames:
        return pd.DataFrame(columns=["experiment", "variant", "tested_on", *COLUMNS])
    table = pd.concat(frames, ignore_index=True)
    table["tested_on"] = table["tested_on"] if "tested_on" in table else ""
    return table[["experiment", "variant", "tested_on", *COLUMNS]]


@dataclass(frozen=True)
class TableSpec:
    """A table of the report (the `tables` rule; its caption is `report/<name>.rst`).

    Attributes:
        stem: the file, `results/tables/<stem>.csv` with a Markdown copy beside it.
        needs: the result it is made from, (experiment, row); a row of None: any row of the
            experiment; None: always made. The plan makes the table when the config runs it.
        make: (results by (experiment, row)) -> the table.
        index: write the index (a confusion matrix: rows are true ages).
    """

    stem: str
    needs: tuple | None
    make: Callable
    index: bool = False


CASCADE = "vgg16-imdb-agedb"  # the thesis' best variant, whose results the Adience and top-4 tables show

TABLES: dict[str, TableSpec] = {
    "table4": TableSpec("table4_fgnet", None,
                        lambda r: table4({v: p["metrics"] for (b, v), p in r.items() if b == "fgnet"})),
    "adience": TableSpec("adience", ("adience", CASCADE),
                         lambda r: adience_table(r[("adience", CASCADE)]["metrics"])),
    "table6": TableSpec("table6_adience3", ("adience3", CASCADE),
                        lambda r: table6(r[("adience3", CASCADE)]["confusion"], r[("adience3", CASCADE)]["metrics"])),
    "top4": TableSpec("fgnet_top4_confusion", ("fgnet_top4", CASCADE),
                      lambda r: pd.read_csv(r[("fgnet_top4", CASCADE)]["confusion"], index_col=0), index=True),
    "table5": TableSpec("table5_regression", ("regression", None),
                        lambda r: table5({v: p["metrics"] for (b, v), p in r.items() if b == "regression"})),
    "calibration": TableSpec("calibration", None, calibration_table),
    "groups": TableSpec("groups", None, groups_table),
}


def write_tables(results: list[dict], inputs: dict, outputs: dict, config: dict, workflow_dir,
                 provenance_path) -> list[Path]:
    """Write every table of `outputs` ({name in TABLES: CSV path}; a Markdown copy beside each)
    from the results (`ReportPlan.table_results`), and the provenance record with the choices the
    thesis leaves open, label spaces and counts.

    Args:
        inputs: {"label_spaces": {split: labels.json}, "reports": {dataset: prepare report},
            "choices": {choice: value}} (`ReportPlan.table_params`).

    Returns:
        The table files written (CSV and Markdown).
    """
    by_row = _by_row(results)
    written = []
    for name, path in outputs.items():
        written += write_table(TABLES[name].make(by_row), Path(path).with_suffix(""), index=TABLES[name].index)
    record = {**provenance(config, workflow_dir), "choices": inputs["choices"],
              "label_spaces": label_space_sizes(inputs["label_spaces"]), "datasets": dataset_counts(inputs["reports"])}
    write_text(provenance_path, json.dumps(record, indent=2, default=str) + "\n")
    return written


def _dataset_lines(label_spaces: dict, reports: dict) -> list[str]:
    lines = []
    read = _read_json(reports)  # each report once
    counts = _counts(read)
    if counts:
        lines.append("Faces kept after preparation")
        for name, c in counts.items():
            reported = f"[{c['thesis_kept']:,} of {c['thesis_of']:,}]" if c["thesis_kept"] else ""
            lines.append(f"  {name:8s} {c['kept']:>9,} of {c['input_rows']:>9,}   {reported}")
    unchecked = {name: r.get("sources_without_checksum") for name, r in read.items()}
    for name, sources in unchecked.items():
        if sources:
            lines.append(f"  {name}: used without a checksum (set datasets.{name}.sha256 or md5): {', '.join(sources)}")
    spaces = label_space_sizes(label_spaces)
    if spaces:
        lines.append("Output neurons (label space, fixed for all folds and variants)")
        lines.append("  " + ", ".join(f"{name} {s['size']}" + (f" [{s['thesis_size']}]" if s["thesis_size"] else "")
                                      for name, s in spaces.items()))
    return lines + ([""] if lines else [])


def _fgnet_lines(results: dict) -> list[str]:
    fgnet = {v: _summary(p["metrics"]) for (b, v), p in results.items() if b == "fgnet"}
    if not fgnet:
        return []
    lines = [f"FG-NET, leave one person out ({int(next(iter(fgnet.values()))['folds'])} folds): MAE in years"]
    for variant, s in sorted(fgnet.items(), key=lambda item: item[1]["mae"]):
        reported = (thesis.table4().get(variant) or {}).get("mae") or float("nan")
        lines.append(f"  {variant:24s} {s['mae']:6.2f}   [{reported:5.2f}]   "
                     f"mean predictor {s['mean_predictor_mae']:6.2f}")
    best_variant, best = min(fgnet.items(), key=lambda item: item[1]["mae"])
    ratio = best["mae"] / best["mean_predictor_mae"]
    lines.append(f"  best: {best_variant}, MAE / MAE of predicting the training mean age = {ratio:.2f}"
                 + ("  (learned: below 1)" if ratio < 1 else "  (NOT better than the mean)"))
    return lines


def _class_counts(confusion_path) -> str:
    """The test faces per true class of a confusion matrix (its row sums)."""
    table = pd.read_csv(confusion_path, index_col=0)
    rows = table.drop(index="precision", errors="ignore").drop(columns="recall", errors="ignore")
    return " / ".join(f"{int(n):,}" for n in rows.sum(axis=1))


def _experiment_line(experiment: str, variant: str, paths: dict) -> str:
    s = _summary(paths["metrics"])
    if experiment == "regression":
        reported = thesis.TABLE5.get(variant, {})
        return (f"Table 5, auto-sklearn on {variant} features ({int(s['folds'])} folds): MAE {s['mae']:.2f} "
                f"[{reported.get('mae', float('nan')):.2f}], R2 {s['r2']:.2f} [{reported.get('r2', float('nan')):.2f}]")
    if "accuracy" in s and not pd.isna(s.get("accuracy")):
        reported = (f"[{thesis.ADIENCE['accuracy']:.2f} / {thesis.ADIENCE['one_off_accuracy']:.2f}]"
                    if experiment == "adience" else f"[{thesis.TABLE6['accuracy']:.2f}]")
        verdict = "beats" if s["accuracy"] > s["majority_rate"] else "does NOT beat"
        line = (f"{experiment} {variant} ({int(s['folds'])} folds): accuracy {100 * s['accuracy']:.2f} %, "
                f"1-off {100 * s['one_off_accuracy']:.2f} %  {reported}; majority class of the test "
                f"folds {100 * s['majority_rate']:.2f} % ({verdict} it)")
        if experiment == "adience3" and paths.get("confusion"):
            rows = " / ".join(f"{n:,}" for n in np.asarray(thesis.TABLE6["matrix"]).sum(axis=1))
            line += f"\n  test faces per class (0-12 / 15-20 / 25-100): {_class_counts(paths['confusion'])} [{rows}]"
        return line
    return f"{experiment} {variant}: MAE {s['mae']:.2f} (mean predictor {s['mean_predictor_mae']:.2f})"


def _gap_lines(results: dict) -> list[str]:
    """Each evaluation's largest gap between the groups of its faces (`groups.csv`)."""
    lines = []
    for (experiment, variant), files in sorted(results.items()):
        if "groups" not in files:
            continue
        table = pd.read_csv(files["groups"])
        for tested_on, rows in (table.groupby("tested_on", sort=False) if "tested_on" in table else [("", table)]):
            gap = largest_gap(rows)
            if gap:
                where = f" on {tested_on}" if tested_on else ""
                lines.append(f"  {experiment} {variant}{where}: {gap['metric']} {gap['worst']} {gap['worst_value']:.2f}"
                             f" vs {gap['best']} {gap['best_value']:.2f} ({gap['grouping']})")
    return (["", "Largest gap between groups of faces (results/tables/groups.md)"] + lines) if lines else []


def summary_text(results: list[dict], label_spaces: dict, reports: dict, choices: dict | None = None,
                 unified: dict | None = None) -> str:
    """One screen: each benchmark's headline number beside the thesis', and the sanity ratio;
    the unified benchmark's tables ({dataset: CSV}) after them."""
    from agecascade.unified_results import summary_lines

    results = _by_row(results)
    lines = ["agecascade results (thesis values in brackets)", ""]
    lines += _dataset_lines(label_spaces, reports) + _fgnet_lines(results)
    lines += [_experiment_line(experiment, variant, paths) for (experiment, variant), paths in sorted(results.items())
              if experiment != "fgnet" and not experiment.startswith("unified_")]
    lines += _gap_lines(results)
    lines += summary_lines(unified or {})
    if choices:
        lines += ["", "Choices the thesis' text leaves open (README, Departures): "
                  + ", ".join(f"{key} {value}" for key, value in choices.items())]
    lines += ["", "Tables: results/tables/*.md   Metrics: results/<benchmark>/<variant>/metrics.csv"]
    return "\n".join(lines) + "\n"


def write_summary(results: list[dict], label_spaces: dict, reports: dict, output,
                  choices: dict | None = None, unified: dict | None = None) -> str:
    text = summary_text(results, label_spaces, reports, choices, unified)
    Path(output).write_text(text)
    return text
