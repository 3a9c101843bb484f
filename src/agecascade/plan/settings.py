"""The settings each job receives, from the config: training hyper-parameters (the values
`tests/test_thesis_hyperparameters.py` checks against the thesis' text), face preparation and
parsing options, auto-sklearn's budget."""

from __future__ import annotations

import json

from agecascade.vocabulary import Variant, chain_dataset


def per_backbone(value, backbone: str):
    """A config value that is either one value or one per backbone."""
    return value[backbone] if isinstance(value, dict) else value


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
    return fit_settings(config, config["training"]["stages"][chain_dataset(chain)], backbone, frozen=False)


def variant_settings(config: dict, benchmark: str, variant: str) -> dict:
    """Settings of a variant's fold training: mode a (frozen) for -faces2, else the dataset's."""
    variant = Variant.parse(variant)
    dataset = config["benchmarks"][benchmark]["dataset"]
    return fit_settings(config, config["fold_training"]["frozen" if variant.frozen else dataset], variant.backbone,
                        variant.frozen)


def prepare_options(config: dict, dataset: str) -> dict:
    """Face location and crop settings of a dataset (`agecascade.data.prepare.PrepareOptions`)."""
    spec = config["datasets"][dataset]
    return {"image_size": config["image_size"], "margin": config["margin"], "detector": spec["detector"],
            "no_face": spec["no_face"], "min_confidence": spec["min_confidence"]}


def parse_options(config: dict, dataset: str) -> dict:
    """Dataset-specific parsing settings (Adience label policy, IMDB cleaning thresholds)."""
    spec = config["datasets"][dataset]
    return {"label_policy": spec["label_policy"], "cleaning": spec.get("cleaning")}


def regression_settings(config: dict) -> str:
    """`agecascade.regression.AutoSklearnSettings` as JSON (a shell argument)."""
    spec = config["regression"]
    if spec["per_run_time_limit"] >= spec["time_left_for_this_task"]:
        raise ValueError("regression.per_run_time_limit must be below regression.time_left_for_this_task. "
                         f"Received: {spec['per_run_time_limit']} >= {spec['time_left_for_this_task']}")
    return json.dumps({"time_left_for_this_task": spec["time_left_for_this_task"],
                       "per_run_time_limit": spec["per_run_time_limit"],
                       "memory_limit_mb": spec["memory_limit_mb"], "seed": config["seed"]})
