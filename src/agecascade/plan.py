"""The study's training plan from the config: which hyper-parameters each training run gets.

The rules ask this module (and not the config directly), so the values a training job receives
are the ones `tests/test_thesis_hyperparameters.py` checks against the thesis' text.
"""

from __future__ import annotations


def per_backbone(value, backbone: str):
    """A config value that is either one value or one per backbone."""
    return value[backbone] if isinstance(value, dict) else value


def stage_dataset(chain: str) -> str:
    """The dataset a cascade stage trains on: the last link of its chain (`imdb-agedb` -> agedb)."""
    return chain.split("-")[-1]


def fit_settings(config: dict, spec: dict, backbone: str, frozen: bool) -> dict:
    """`agecascade.training.FitSettings` fields from a `fit` entry of the config."""
    return {
        "learning_rate": per_backbone(spec["learning_rate"], backbone),
        "batch_size": spec["batch_size"],
        "epochs": spec["epochs"],
        "patience": spec.get("patience"),
        "frozen": frozen,
        "augment": config["training"]["augment"],
        "seed": config["seed"],
        "backup_interval_minutes": config["training"]["backup_interval_minutes"],
        "precision": config["training"]["precision"],
        "jit_compile": config["training"]["jit_compile"],
        "require_gpu": config["training"]["require_gpu"],
    }


def stage_settings(config: dict, backbone: str, chain: str) -> dict:
    """Settings of a cascade stage (modes b and c: all layers trained)."""
    return fit_settings(config, config["training"]["stages"][stage_dataset(chain)], backbone, frozen=False)


def variant_settings(config: dict, benchmark: str, variant: str) -> dict:
    """Settings of a variant's fold training: mode a (frozen) for -faces2, else the dataset's."""
    backbone, pretraining = variant.split("-", 1)
    frozen = pretraining == "faces2"
    dataset = config["benchmarks"][benchmark]["dataset"]
    return fit_settings(config, config["fold_training"]["frozen" if frozen else dataset], backbone, frozen)


def benchmark_folds(config: dict, benchmark: str, all_folds: bool = False) -> list[int]:
    """The folds of a benchmark that run (`run_folds`), or all its folds; from the config alone,
    so the whole plan is known before any data exists. The `splits` rule checks the data."""
    spec = config["benchmarks"][benchmark]
    if spec["protocol"] == "leave_one_subject_out":
        folds = list(range(1, spec["subjects"] + 1))  # a fold per subject, numbered as the subjects
    elif spec["protocol"] == "holdout_subjects":
        folds = [0]
    else:
        folds = list(range(spec["folds"]))
    if spec["run_folds"] is not None and not all_folds:
        folds = [k for k in folds if k in spec["run_folds"]]
    return folds


def grid_folds(config: dict, benchmark: str) -> list[int]:
    """The folds whose training sets a benchmark's grid search uses: `gridsearch_folds`, or the
    benchmark's first fold (thesis: FG-NET's first 6, Adience's first)."""
    spec = config["benchmarks"][benchmark]
    return spec["gridsearch_folds"] or benchmark_folds(config, benchmark, all_folds=True)[:1]


def _span(folds: list[int]) -> str:
    return f"{folds[0]}-{folds[-1]}" if len(folds) > 1 else str(folds[0])


def check_folds(config: dict) -> list[str]:
    """Every fold the config names must exist: a fold that does not would silently shrink the study.

    Returns:
        Warnings about what a partial run leaves out (e.g. the Grad-CAM figure).

    Raises:
        ValueError: naming the key, the folds that do not exist and the valid ones.
    """
    warnings = []
    for name, spec in config["benchmarks"].items():
        every = benchmark_folds(config, name, all_folds=True)
        for key in ("run_folds", "keep_models", "gridsearch_folds"):
            unknown = sorted(set(spec.get(key) or []) - set(every))
            if unknown:
                raise ValueError(f"benchmarks.{name}.{key}: folds {unknown} do not exist; "
                                 f"{name}'s folds are {_span(every)}.")
    regression = config["regression"]
    every = benchmark_folds(config, regression["benchmark"], all_folds=True)
    unknown = sorted(set(regression.get("run_folds") or []) - set(every))
    if unknown:
        raise ValueError(f"regression.run_folds: folds {unknown} do not exist; "
                         f"{regression['benchmark']}'s folds are {_span(every)}.")
    fgnet = config["benchmarks"].get("fgnet")
    if fgnet:
        fold = config["figures"]["gradcam"]["fold"]
        if fold not in benchmark_folds(config, "fgnet", all_folds=True):
            raise ValueError(f"figures.gradcam.fold: fold {fold} does not exist; FG-NET's folds are "
                             f"{_span(benchmark_folds(config, 'fgnet', all_folds=True))}.")
        if fold not in fgnet["keep_models"]:
            raise ValueError(f"figures.gradcam.fold {fold} must be one of benchmarks.fgnet.keep_models "
                             f"{fgnet['keep_models']} (Grad-CAM needs that fold's trained models).")
        if fold not in benchmark_folds(config, "fgnet"):
            warnings.append(f"Figure 14 (Grad-CAM) is not planned: figures.gradcam.fold {fold} is not among "
                            f"benchmarks.fgnet.run_folds {fgnet['run_folds']}.")
    return warnings
