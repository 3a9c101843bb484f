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
        "frozen_batchnorm": config["training"]["frozen_batchnorm"],
        "keep": config["training"]["keep"],
        "monitor": config["training"]["schedule_monitor"],
    }


def stage_settings(config: dict, backbone: str, chain: str) -> dict:
    """Settings of a cascade stage (modes b and c: all layers trained)."""
    return fit_settings(config, config["training"]["stages"][chain_dataset(chain)], backbone, frozen=False)


def variant_settings(config: dict, benchmark: str, variant: str) -> dict:
    """Settings of a variant's fold training: mode a (frozen) for -faces2 and -faces2-keras2 (the
    latter with Keras 2.2's frozen batch norm), else the dataset's. Folds have no validation set:
    the schedule follows `fold_training.schedule_monitor` (the training loss) and the last epoch
    is kept."""
    variant = Variant.parse(variant)
    dataset = config["benchmarks"][benchmark]["dataset"]
    spec = config["fold_training"]["frozen" if variant.frozen else dataset]
    settings = fit_settings(config, spec, variant.backbone, variant.frozen)
    settings.update({"monitor": config["fold_training"]["schedule_monitor"], "keep": "last"})
    if variant.keras2_batchnorm:
        settings["frozen_batchnorm"] = "batch_statistics"
    return settings


def unified_settings(config: dict, dataset: str, variant: str) -> dict:
    """Settings of a unified-benchmark job: each mode trains as the thesis trains it (mode a: the
    head, with `fold_training.frozen`; modes b/c: everything, with the cascade's stage settings
    for the dataset, `training.stages.<dataset>`), and keeps the epoch with the lowest validation
    MAE (the benchmark's model selection)."""
    variant = Variant.parse(variant)
    spec = config["fold_training"]["frozen"] if variant.frozen else config["training"]["stages"][dataset]
    settings = fit_settings(config, spec, variant.backbone, variant.frozen)
    settings["keep"] = "best_val_mae"
    settings["epochs"] = config["benchmarks"]["unified"].get("epochs") or settings["epochs"]
    if variant.keras2_batchnorm:
        settings["frozen_batchnorm"] = "batch_statistics"
    return settings


def unstated_choices(config: dict) -> dict:
    """The choices the thesis' text leaves to its software, as this config makes them (written to
    the provenance and the summary)."""
    from agecascade.config import schema_default

    def chosen(section: str, key: str):  # a validated config has every key; defaults otherwise
        return config.get(section, {}).get(key, schema_default(section, key))

    return {"frozen_batchnorm (mode a, -faces2)": chosen("training", "frozen_batchnorm"),
            "frozen_batchnorm (-faces2-keras2)": "batch_statistics",
            "stage models keep": chosen("training", "keep"),
            "stage schedule watches": chosen("training", "schedule_monitor"),
            "fold schedule watches": chosen("fold_training", "schedule_monitor")}


def prepare_options(config: dict, dataset: str) -> dict:
    """Face location and crop settings of a dataset (`agecascade.data.prepare.PrepareOptions`).

    A dataset with a unified-benchmark database file keeps a picture without a detected face
    whole (the benchmark's parts must match its file); with `no_face: drop` its thesis split
    leaves such pictures out (`data.folds.train_val_split`), so the cascade trains as before."""
    spec = config["datasets"][dataset]
    no_face = "keep" if spec.get("protocol_file") else spec["no_face"]
    return {"image_size": config["image_size"], "margin": config["margin"], "detector": spec["detector"],
            "no_face": no_face, "min_confidence": spec["min_confidence"]}


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
