"""The thesis' figures from results already on disk (the `figure` and `gradcam` rules).

Nothing here trains or predicts, except Grad-CAM (Figure 14), which runs kept fold models
forward and backward on a few faces. One seaborn style for all; every figure is written as PNG
(for the report) and PDF (for papers).

Figures (thesis numbering): 3 FG-NET faces of one subject with their ages; 4 Adience faces with
their age groups; 5 cumulative age distribution of IMDB, AgeDB, FG-NET; 6 Adience faces per age
group; 10 / 11 per-fold MAE of the face-recognition / fine-tuned variants with the literature
baselines as dotted lines; 12 per-fold MAE of the regression feature sets; 13 confusion matrix of
the top-4-subjects experiment; 14 Grad-CAM of the face-recognition and the age-fine-tuned models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from agecascade import thesis
from agecascade.data.store import read_rows
from agecascade.datasets import DATASETS
from agecascade.vocabulary import FROZEN_PRETRAININGS

BASELINE_COLOURS = ("tab:red", "tab:green", "tab:blue")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(context="paper", style="whitegrid", palette="colorblind", font_scale=1.1)
    return plt, sns


def save(fig, png_path) -> None:
    """Write the figure as PNG and as PDF beside it (same stem)."""
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png_path, dpi=150, bbox_inches="tight")
    fig.savefig(png_path.with_suffix(".pdf"), bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)


def _faces(store, rows) -> np.ndarray:
    with h5py.File(store, "r") as handle:
        return read_rows(handle["images"], rows)


def _face_grid(faces, labels, title, columns=8):
    plt, _ = _plt()
    rows = int(np.ceil(len(faces) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.5 * columns, 1.75 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, face, label in zip(axes.flat, faces, labels):
        ax.imshow(face)
        ax.set_title(label, fontsize=10, y=-0.22)
    fig.suptitle(title)
    return fig


def example_faces_fgnet(store, manifest, out_png, subject=None, n: int = 8) -> None:
    """Figure 3: faces of one FG-NET subject (default: the one with most pictures), by age."""
    table = pd.read_csv(manifest).reset_index(names="row")
    if subject is None:
        subject = table["subject"].value_counts().index[0]
    chosen = table[table["subject"].astype(str) == str(subject)].sort_values("age")
    if chosen.empty:
        raise ValueError(f"FG-NET subject {subject} has no faces in {manifest}")
    chosen = chosen.iloc[np.linspace(0, len(chosen) - 1, min(n, len(chosen))).round().astype(int)]
    fig = _face_grid(_faces(store, chosen["row"]), [f"{a:g}" for a in chosen["age"]],
                     f"FG-NET subject {subject}: faces and age labels")
    save(fig, out_png)


def example_faces_adience(store, manifest, out_png, n: int = 8) -> None:
    """Figure 4: Adience faces of several subjects, one per age group, with the group label."""
    from agecascade.data.adience import GROUP_NAMES

    table = pd.read_csv(manifest).reset_index(names="row").dropna(subset=["age_group"])
    picks = table.groupby("age_group", sort=True).head(1).head(n)
    fig = _face_grid(_faces(store, picks["row"]), [GROUP_NAMES[int(g)] for g in picks["age_group"]],
                     "Adience: faces and age-group labels")
    save(fig, out_png)


def age_distribution(manifests: dict[str, str | Path], out_png) -> None:
    """Figure 5: cumulative distribution of face ages per dataset."""
    plt, sns = _plt()
    ages = pd.concat([pd.read_csv(path, usecols=["age"]).assign(dataset=name) for name, path in manifests.items()],
                     ignore_index=True).dropna(subset=["age"])
    fig, ax = plt.subplots(figsize=(6, 4))
    sns.ecdfplot(data=ages, x="age", hue="dataset", ax=ax)
    ax.set(xlabel="age (years)", ylabel="cumulative share of faces", xlim=(0, 100),
           title="Cumulative age distribution")
    save(fig, out_png)


def adience_groups(manifest, out_png) -> None:
    """Figure 6: Adience faces per age group."""
    from agecascade.data.adience import GROUP_NAMES

    plt, sns = _plt()
    groups = pd.read_csv(manifest)["age_group"].dropna().astype(int)
    counts = groups.value_counts().reindex(range(len(GROUP_NAMES)), fill_value=0)
    fig, ax = plt.subplots(figsize=(6, 4))
    sns.barplot(x=list(GROUP_NAMES), y=counts.to_numpy(), color=sns.color_palette()[0], ax=ax)
    ax.set(xlabel="age group", ylabel="faces", title="Adience: faces per age group")
    save(fig, out_png)


def _fold_maes(metrics: dict[str, str | Path], labels: dict[str, str]) -> pd.DataFrame:
    frames = []
    for name, path in metrics.items():
        table = pd.read_csv(path, dtype={"fold": str})
        table = table[table["fold"] != "summary"]
        frames.append(pd.DataFrame({"model": labels.get(name, name), "mae": table["mae"].astype(float)}))
    return pd.concat(frames, ignore_index=True)


def fold_mae_boxplot(metrics: dict[str, str | Path], out_png, title: str, reported: dict[str, dict] | None = None,
                     baselines: bool = True) -> None:
    """Figures 10-12: per-fold MAE per model (box plot and the folds as points), the thesis' MAE
    of each model as a diamond, the literature baselines as dotted lines.

    Args:
        reported: {name: {"label": ..., "mae": ...}} from `agecascade.thesis` (labels and thesis MAE).
    """
    plt, sns = _plt()
    reported = reported or {}
    data = _fold_maes(metrics, {k: v["label"] for k, v in reported.items()})
    order = list(dict.fromkeys(data["model"]))
    fig, ax = plt.subplots(figsize=(1.6 * len(order) + 4.5, 4.5))
    sns.boxplot(data=data, x="model", y="mae", order=order, ax=ax, color="white", fliersize=0, width=0.5)
    sns.stripplot(data=data, x="model", y="mae", order=order, ax=ax, size=3, alpha=0.6, jitter=0.15,
                  label="this run, one point per fold")
    thesis_mae = [next((r.get("mae", np.nan) for r in reported.values() if r["label"] == m), np.nan) for m in order]
    ax.scatter(range(len(order)), thesis_mae, marker="D", color="black", zorder=5, label="thesis MAE")
    if baselines:
        for (method, mae), colour in zip(thesis.FGNET_BASELINES.items(), BASELINE_COLOURS):
            ax.axhline(mae, linestyle=":", color=colour, linewidth=1.5, label=f"{method}: {mae:.2f}")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))  # the strip plot labels every model's points
    ax.legend(unique.values(), unique.keys(), fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set(xlabel="", ylabel="MAE per fold (years)", title=title)
    ax.tick_params(axis="x", labelrotation=20)
    save(fig, out_png)


def mae_by_age_plot(by_age: dict[str, str | Path], out_png, title: str) -> None:
    """The unified benchmark's MAE by true age (5-year bins), one line per variant, one panel per
    test set; solid: the posterior median (the benchmark's rule), dashed: the expected value (the
    thesis'). Where children's and old people's errors grow is visible at a glance."""
    plt, sns = _plt()
    frames = [pd.read_csv(path).assign(variant=variant) for variant, path in by_age.items()]
    data = pd.concat(frames, ignore_index=True).melt(
        id_vars=["variant", "tested_on", "age_from", "n"], value_vars=["mae_median", "mae_expected"],
        var_name="rule", value_name="mae")
    data["rule"] = data["rule"].map({"mae_median": "posterior median", "mae_expected": "expected value"})
    tested = list(dict.fromkeys(data["tested_on"]))
    fig, axes = plt.subplots(1, len(tested), figsize=(5.5 * len(tested) + 2, 4.2), squeeze=False, sharey=True)
    for ax, tested_on in zip(axes[0], tested):
        sns.lineplot(data=data[data["tested_on"] == tested_on], x="age_from", y="mae", hue="variant", style="rule",
                     style_order=["posterior median", "expected value"], marker="o", ax=ax)
        ax.set(xlabel="true age (5-year bins, from)", ylabel="MAE (years)", title=f"tested on {tested_on}")
        ax.legend(fontsize=7)
    fig.suptitle(title)
    save(fig, out_png)


def _coverages(metrics: dict[str, str | Path]) -> pd.DataFrame:
    """Nominal vs observed coverage of every age evaluation's summary (a unified variant: its mean
    over splits per test set), calibrated and uncalibrated."""
    rows = []
    from agecascade.evaluation import summary_rows

    for name, path in metrics.items():
        for tested_on, summary in summary_rows(path):
            if pd.isna(summary.get("coverage_80", float("nan"))):
                continue  # no age distribution (a group model, a regressor)
            label = name + (f" on {tested_on}" if tested_on else "")
            for nominal in (50, 80, 90):
                rows += [{"evaluation": label, "nominal": nominal / 100, "observed": summary[f"coverage_{nominal}{s}"],
                          "distribution": kind} for s, kind in (("", "calibrated"), ("_uncalibrated", "own softmax"))]
    return pd.DataFrame(rows)


def reliability(metrics: dict[str, str | Path], out_png) -> None:
    """Nominal vs observed coverage of the central 50/80/90 % intervals, one line per evaluation,
    solid at the models' temperatures, dashed their own softmax; the diagonal is a calibrated model."""
    plt, sns = _plt()
    data = _coverages(metrics)
    fig, ax = plt.subplots(figsize=(6.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linewidth=1, label="calibrated (diagonal)")
    if not data.empty:
        sns.lineplot(data=data, x="nominal", y="observed", hue="evaluation", style="distribution",
                     style_order=["calibrated", "own softmax"], marker="o", ax=ax)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="nominal coverage of the central interval",
           ylabel="share of true ages inside", title="Interval coverage (reliability)")
    ax.legend(fontsize=6, loc="upper left")
    save(fig, out_png)


def group_error_bars(groups: dict[str, str | Path], out_png) -> None:
    """The MAE per age group of every age evaluation, with its 95 % bootstrap interval."""
    plt, sns = _plt()
    frames = []
    for name, path in groups.items():
        table = pd.read_csv(path)
        table = table[(table["grouping"] == "age group") & table["value"].notna()]
        where = table["tested_on"].map(lambda t: f" on {t}") if "tested_on" in table else ""
        frames.append(table.assign(evaluation=name + where))
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if not data.empty:
        order = list(dict.fromkeys(data["group"]))
        for i, (evaluation, rows) in enumerate(data.groupby("evaluation", sort=False)):
            rows = rows.set_index("group").reindex(order)
            x = np.arange(len(order)) + (i - len(set(data["evaluation"])) / 2) * 0.08
            ax.errorbar(x, rows["value"], yerr=[rows["value"] - rows["ci95_low"], rows["ci95_high"] - rows["value"]],
                        fmt="o", capsize=2, label=evaluation)
        ax.set_xticks(range(len(order)), order, rotation=20)
        ax.legend(fontsize=6)
    ax.set(xlabel="true age group", ylabel="MAE (years), 95 % bootstrap interval", title="Errors per age group")
    save(fig, out_png)


def confusion_heatmap(confusion_csv, out_png, title: str) -> None:
    """Figure 13: confusion matrix (rows true, columns predicted), counts."""
    plt, sns = _plt()
    table = pd.read_csv(confusion_csv, index_col=0)
    table = table.drop(index=[i for i in table.index if not str(i).startswith("true ")],
                       columns=[c for c in table.columns if not str(c).startswith("predicted ")])
    table.index = [str(i).removeprefix("true ") for i in table.index]
    table.columns = [str(c).removeprefix("predicted ") for c in table.columns]
    side = max(4.0, 0.32 * max(table.shape))
    fig, ax = plt.subplots(figsize=(side * 1.2, side))
    sns.heatmap(table.astype(float), cmap="Blues", cbar_kws={"label": "faces"}, ax=ax, square=True,
                annot=max(table.shape) <= 15, fmt=".0f")
    ax.set(xlabel="predicted age (years, rounded expected value)", ylabel="true age (years)", title=title)
    save(fig, out_png)


def gradcam_grid(models: dict[str, str | Path], store, split_csv, fold: int, out_png, n_faces: int = 3,
                 threads: int | None = None) -> None:
    """Figure 14: Grad-CAM overlays of the same held-out faces for every kept fold model.

    Args:
        models: {variant: model.keras} of one fold; rows are the face-recognition (`-faces2`) and
            the age-fine-tuned variants, columns the backbones, per face.
        fold: the fold the models were trained for; its test faces (never seen in training) are
            shown, `n_faces` of them spread over the subject's ages.
    """
    from agecascade.data.folds import fold_parts
    from agecascade.vocabulary import BACKBONES, Variant
    from agecascade.gradcam import gradcam, overlay
    from agecascade.device import setup_device
    from agecascade.models.files import load_age_model

    setup_device(None, threads)  # threads, and a log line saying what it runs on
    plt, _ = _plt()
    test = fold_parts(pd.read_csv(split_csv), fold)[1].sort_values("label")
    test = test.iloc[np.linspace(0, len(test) - 1, min(n_faces, len(test))).round().astype(int)]
    faces = _faces(store, test["index"])
    backbones = [b for b in BACKBONES if any(v.startswith(b + "-") for v in models)]
    trainings = [k for k in ("faces2", "age") if any((v.endswith("-faces2")) == (k == "faces2") for v in models)]
    rows = [(k, i) for i in range(len(faces)) for k in trainings]
    fig, axes = plt.subplots(len(rows), len(backbones) + 1, figsize=(2.0 * (len(backbones) + 1), 2.1 * len(rows)),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for variant, path in sorted(models.items()):
        backbone = Variant.parse(variant).backbone
        training = "faces2" if Variant.parse(variant).frozen else "age"
        model = load_age_model(path)
        cams, classes = gradcam(model, faces)
        names = model.get_layer("label_space").names
        column = backbones.index(backbone) + 1
        for i in range(len(faces)):
            ax = axes[rows.index((training, i)), column]
            ax.imshow(overlay(faces[i], cams[i]))
            ax.set_title(f"{variant}\nclass {names[int(classes[i])]}", fontsize=7)
    for r, (training, i) in enumerate(rows):
        axes[r, 0].imshow(faces[i])
        label = "face recognition (mode a)" if training == "faces2" else "age fine-tuned"
        axes[r, 0].set_title(f"age {test['label'].iloc[i]:g}\n{label}", fontsize=7)
    fig.suptitle(f"Grad-CAM, FG-NET fold {fold} (held-out faces)")
    fig.tight_layout()
    save(fig, out_png)


# ---------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Reads:
    """What a figure reads, in the study's words; the plan turns it into files
    (`agecascade.plan.reports.ReportPlan.figure_inputs`), so this module never sees the planner.

    Kinds and their arguments: `faces` (dataset): its face store and manifest; `age_manifests`:
    the manifest of every dataset labelled in years; `manifest` (dataset); `fold_metrics`
    (benchmark, pretrainings): the metrics of its variants that start from one of them;
    `regression_metrics`: every Table 5 row's; `confusion` (benchmark, variant); `unified_by_age`
    (dataset): its unified variants' MAE by true age.
    """

    kind: str
    args: tuple = ()


@dataclass(frozen=True)
class FigureSpec:
    """A figure drawn from results on disk (the `figure` rule).

    Attributes:
        reads: what it reads (`Reads`); a config that makes none of it does not draw it.
        draw: (inputs, out_png, options) -> None.
        caption: (inputs) -> the report's caption: what it shows, the thesis' values to compare with.
    """

    reads: Reads
    draw: Callable
    caption: Callable


def _thesis_maes(names, table) -> str:
    return ", ".join(f"{table[n]['label']} {table[n]['mae']:.2f}" for n in names
                     if (table.get(n) or {}).get("mae") is not None)


FIGURES: dict[str, FigureSpec] = {
    "fig03_fgnet_faces": FigureSpec(
        Reads("faces", ("fgnet",)),
        lambda i, out, o: example_faces_fgnet(i["store"], i["manifest"], out, o.get("fgnet_subject")),
        lambda i: "Thesis Figure 3: FG-NET faces of one subject as the models see them (cropped with the 40% "
                  "margin, resized), with their age labels."),
    "fig04_adience_faces": FigureSpec(
        Reads("faces", ("adience",)),
        lambda i, out, o: example_faces_adience(i["store"], i["manifest"], out),
        lambda i: "Thesis Figure 4: Adience faces (aligned version), one per age group, with their age-group "
                  "labels."),
    "fig05_age_distribution": FigureSpec(
        Reads("age_manifests"),
        lambda i, out, o: age_distribution(dict(i), out),
        lambda i: "Thesis Figure 5: cumulative distribution of face ages of IMDB, AgeDB and FG-NET after "
                  "cleaning. Thesis: IMDB's ages tend to be slightly lower than AgeDB's; FG-NET centres around "
                  "20 (more than half of its faces are below 20)."),
    "fig06_adience_groups": FigureSpec(
        Reads("manifest", ("adience",)),
        lambda i, out, o: adience_groups(i["manifest"], out),
        lambda i: "Thesis Figure 6: Adience faces per age group after cleaning (thesis: 17,417 faces, most in "
                  "25-32)."),
    "fig10_fgnet_faces2": FigureSpec(
        Reads("fold_metrics", ("fgnet", FROZEN_PRETRAININGS)),
        lambda i, out, o: fold_mae_boxplot(dict(i), out, "FG-NET: face-recognition backbones (mode a)",
                                           thesis.table4()),
        lambda i: "Thesis Figure 10: MAE per FG-NET fold (leave one person out) of the face-recognition "
                  "backbones with only the head trained (mode a); -keras2: frozen batch norm as the thesis' "
                  "Keras 2.2 ran it (batch statistics in training), the others as today's Keras (inference "
                  "mode); dotted: reported baselines. "
                  f"Thesis MAE: {_thesis_maes(i, thesis.table4())}."),
    "fig11_fgnet_finetuned": FigureSpec(
        Reads("fold_metrics", ("fgnet", ("imdb", "imdb-agedb"))),
        lambda i, out, o: fold_mae_boxplot(dict(i), out, "FG-NET: fine-tuned on IMDB, and on IMDB then AgeDB",
                                           thesis.table4()),
        lambda i: "Thesis Figure 11: MAE per FG-NET fold of the models fine-tuned on IMDB (mode b) and on IMDB "
                  f"then AgeDB (mode c); dotted: reported baselines. Thesis MAE: {_thesis_maes(i, thesis.table4())}."),
    "fig12_regression": FigureSpec(
        Reads("regression_metrics"),
        lambda i, out, o: fold_mae_boxplot(dict(i), out, "FG-NET: auto-sklearn on CNN features", thesis.TABLE5,
                                           baselines=False),
        lambda i: "Thesis Figure 12: MAE per FG-NET fold of auto-sklearn regressors on CNN features. "
                  f"Thesis MAE: {_thesis_maes(i, thesis.TABLE5)}."),
    "fig13_top4_confusion": FigureSpec(
        Reads("confusion", ("fgnet_top4", "vgg16-imdb-agedb")),
        lambda i, out, o: confusion_heatmap(i["confusion"], out, "FG-NET top-4 subjects: true vs predicted age"),
        lambda i: "Thesis Figure 13: true vs predicted age of the FG-NET subjects 2-5 (the four with the largest "
                  "errors) held out together; errors spread out with age."),
}



def _unified_figure(dataset: str, name: str) -> FigureSpec:
    return FigureSpec(
        Reads("unified_by_age", (dataset,)),
        lambda i, out, o: mae_by_age_plot(dict(i), out, f"Unified benchmark: trained on {name}, MAE by true age"),
        lambda i: f"The unified benchmark (Paplham & Franc, CVPR 2024; subject-exclusive splits, the epoch with the "
                  f"lowest validation MAE kept): models trained on {name}, MAE per 5-year bin of true age, pooled "
                  "over the splits run, on the split's test folders (intra-dataset) and on every picture of the "
                  "other datasets with a database file (cross-dataset). Solid: the posterior median (the "
                  "benchmark's rule); dashed: the expected value (the thesis')."
                  f" Variants: {', '.join(i)}.")


FIGURES["calibration_reliability"] = FigureSpec(
    Reads("results", ("metrics",)),
    lambda i, out, o: reliability(dict(i), out),
    lambda i: "Interval coverage (issue 29): for every age evaluation the share of true ages inside the central 50, "
              "80 and 90 % intervals of the predicted distribution; solid at the models' temperatures (fitted on "
              "their validation faces), dashed their own softmax; on the diagonal a model's intervals mean what they "
              "say. Below it: overconfident.")
FIGURES["groups_errors"] = FigureSpec(
    Reads("results", ("groups",)),
    lambda i, out, o: group_error_bars(dict(i), out),
    lambda i: "Errors nobody hides (issue 29): the MAE per true age group of every age evaluation, children (0-12) "
              "and the elderly (70+) named, with 95 % bootstrap intervals (over subjects where a subject has "
              "several faces); per sex and for Adience's groups: results/tables/groups.md.")

# one per dataset that can be trained under the unified benchmark (age labels; planned where it is)
FIGURES.update({f"unified_{d.name}_mae_by_age": _unified_figure(d.name, d.label) for d in DATASETS.values()
                if d.labels == "age"})

DEMO_NOTE = "Demo runs use synthetic data: compare shapes, not values."


def make_figure(name: str, inputs: dict, out_png, options: dict | None = None) -> None:
    """Draw the registered figure `name` from its inputs (PNG, and PDF beside it)."""
    if name not in FIGURES:
        raise ValueError(f"Unknown figure {name!r}. Expected one of {sorted(FIGURES)}")
    FIGURES[name].draw(inputs, out_png, options or {})


def caption(name: str, inputs=()) -> str:
    """The report's caption of the registered figure `name` with these inputs."""
    if name not in FIGURES:
        raise ValueError(f"Unknown figure {name!r}. Expected one of {sorted(FIGURES)}")
    return f"{FIGURES[name].caption(inputs)} {DEMO_NOTE}"


def gradcam_caption(fold: int) -> str:
    """The caption of Figure 14 (Grad-CAM: its own GPU rule)."""
    return (f"Thesis Figure 14: Grad-CAM of held-out FG-NET faces (fold {fold}). Rows: the face-recognition "
            "backbones with a trained head (mode a) and the models fine-tuned on IMDB for age; columns: "
            "ResNet-50, SENet-50, VGG-16. Thesis: SENet-50's activations span the whole face, VGG-16's focus on "
            "a smaller region. At the demo's 32 px the last convolutional maps are 2x2 (VGG-16) and 1x1 "
            f"(ResNet-50, SENet-50), so its maps are coarse. {DEMO_NOTE}")
