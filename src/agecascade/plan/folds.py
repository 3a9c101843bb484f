"""Which folds of each benchmark exist and run, from the config alone (so the whole plan is known
before any data exists; the `splits` rule checks the data), and the check that every fold the
config names exists."""

from __future__ import annotations


def fold_benchmarks(config: dict) -> dict[str, dict]:
    """The benchmarks with folds (FG-NET, Adience): every entry of `benchmarks` but the unified
    benchmark's (`plan.unified`), which has splits instead."""
    return {name: spec for name, spec in config["benchmarks"].items() if name != "unified"}


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
    for name, spec in fold_benchmarks(config).items():
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
