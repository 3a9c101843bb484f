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
