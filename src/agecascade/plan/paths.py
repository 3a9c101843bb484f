"""Where every file of the workflow lives: the data flow's contract (README, "What runs today"), spelled once.

The rules' `output:` patterns spell the same paths with wildcards; `Study` and the figure and
table registries build concrete paths here, never by hand.
"""

from __future__ import annotations


def raw_marker(dataset: str) -> str:
    return f"resources/raw/{dataset}/dataset.json"


def weights(backbone: str) -> str:
    return f"resources/weights/{backbone}.h5"


def synthetic_archive(dataset: str) -> str:
    return f"resources/synthetic/{dataset}.tar.gz"


def face_store(dataset: str) -> str:
    return f"resources/faces/{dataset}.h5"


def manifest(dataset: str) -> str:
    return f"resources/faces/{dataset}.csv"


def prepare_report(dataset: str) -> str:
    return f"resources/faces/{dataset}.report.json"


def split_table(split: str) -> str:
    """A benchmark's or training set's split table (`data.folds`)."""
    return f"results/splits/{split}.csv"


def label_space(split: str) -> str:
    return f"results/splits/{split}.labels.json"


def stage_model(backbone: str, chain: str) -> str:
    return f"results/models/{backbone}/{chain}.keras"


def stage_backup(backbone: str, chain: str) -> str:
    """A stage's resume state: not an output, so Snakemake's cleanup of a killed job keeps it."""
    return f"results/models/.resume/{backbone}/{chain}"


def fold_folder(benchmark: str, variant: str, fold: int) -> str:
    """A fold job's outputs: predictions.csv, history.csv (and model.keras for a kept fold)."""
    return f"results/{benchmark}/{variant}/fold{fold}"


def fold_backup(benchmark: str, variant: str, fold: int) -> str:
    return f"results/.resume/{benchmark}/{variant}/fold{fold}"


def variant_metrics(benchmark: str, variant: str) -> str:
    return f"results/{benchmark}/{variant}/metrics.csv"


def variant_confusion(benchmark: str, variant: str) -> str:
    return f"results/{benchmark}/{variant}/confusion.csv"


def grid_folder(benchmark: str | None, name: str) -> str:
    """The grid points of a stage (`benchmark` None, `name` `<backbone>/<chain>`) or of a
    benchmark variant (`name` the variant); the choice is `<folder>.csv`."""
    return f"results/gridsearch/{'models' if benchmark is None else benchmark}/{name}"


def grid_workdir(benchmark: str | None, name: str, point: str) -> str:
    return f"results/.resume/gridsearch/{'models' if benchmark is None else benchmark}/{name}/{point}"


def features(extractor: str, layer: str) -> str:
    return f"results/features/{extractor}/{layer}.h5"


def regression_fold(feature_set: str, fold: int) -> str:
    return f"results/regression/{feature_set}/fold{fold}.csv"


def regression_metrics(feature_set: str) -> str:
    return f"results/regression/{feature_set}/metrics.csv"


def table(stem: str) -> str:
    return f"results/tables/{stem}.csv"


def figure(name: str) -> str:
    return f"results/figures/{name}.png"
