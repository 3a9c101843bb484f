"""The settings each job receives, from the config: training hyper-parameters (the values
`tests/test_thesis_hyperparameters.py` checks against the thesis' text), face preparation and
parsing options, auto-sklearn's budget."""

from __future__ import annotations

import json
from dataclasses import asdict

from agecascade.fit_settings import KEEP_BEST_MEDIAN, KEEP_LAST, FitSettings, RunOptions, recorded
from agecascade.vocabulary import Variant, chain_dataset


def per_backbone(value, backbone: str):
    """A config value that is either one value or one per backbone (a ValueError naming the
    backbone when it has none: a new backbone needs its own)."""
    if not isinstance(value, dict):
        return value
    if backbone not in value:
        raise ValueError(f"A learning rate per backbone ({value}) has none for {backbone}: add {backbone}: <rate> "
                         "to it in the config.")
    return value[backbone]


def fit_settings(config: dict, spec: dict, backbone: str, frozen: bool, **overrides) -> dict:
    """A training run's `FitSettings`, built once from a `fit` entry of the config and the values
    that differ for this kind of job (`overrides`: field -> value); checked, and returned as the
    rule's parameter (the dict form; `TrainingJob.from_rule` turns it back)."""
    training = config["training"]
    values = {
        "learning_rate": per_backbone(spec["learning_rate"], backbone),
        "batch_size": spec["batch_size"],
        "epochs": spec["epochs"],
        "patience": spec.get("patience"),
        "frozen": frozen,
        "augment": training["augment"],
        "seed": config["seed"],
        "backup_interval_minutes": training["backup_interval_minutes"],
        "precision": training["precision"],
        "jit_compile": training["jit_compile"],
        "require_gpu": training["require_gpu"],
        "frozen_batchnorm": training["frozen_batchnorm"],
        "keep": training["keep"],
        "monitor": training["schedule_monitor"],
        "calibration": training["calibration"],
    }
    unknown = set(overrides) - set(values)
    if unknown:
        raise ValueError(f"Unknown settings {sorted(unknown)}. Expected some of {sorted(values)}.")
    return recorded(asdict(FitSettings(**{**values, **overrides})))


def _keras2(variant: Variant) -> dict:
    """`-faces2-keras2` variants run mode a with Keras 2.2's frozen batch norm (models.batchnorm)."""
    return {"frozen_batchnorm": "batch_statistics"} if variant.keras2_batchnorm else {}


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
    return fit_settings(config, spec, variant.backbone, variant.frozen,
                        monitor=config["fold_training"]["schedule_monitor"], keep=KEEP_LAST, **_keras2(variant))


def unified_settings(config: dict, dataset: str, variant: str) -> dict:
    """Settings of a unified-benchmark job under `benchmarks.unified.recipe`, each keeping the
    epoch with the lowest validation MAE of the posterior median (the benchmark's selection).

    * `thesis`: each mode trains as the thesis trains it (mode a: the head, with
      `fold_training.frozen`; modes b/c: everything, with the cascade's stage settings for the
      dataset, `training.stages.<dataset>`, AgeDB's where the dataset has none).
    * `benchmark`: the benchmark's recipe for its ResNet-50 rows (`benchmarks.unified.benchmark_recipe`:
      the whole network, Adam 1e-4 constant, batch 100, 50 epochs, random crops and flips only),
      for every variant.

    `benchmarks.unified.epochs` sets every job's epochs under either recipe."""
    variant, unified = Variant.parse(variant), config["benchmarks"]["unified"]
    stages = config["training"]["stages"]
    overrides = {"keep": KEEP_BEST_MEDIAN, **_keras2(variant)}
    if unified["recipe"] == "benchmark":
        recipe = unified["benchmark_recipe"]
        spec, frozen = {**recipe, "patience": None}, False
        overrides["augment"] = recipe["augment"]
    else:
        spec = config["fold_training"]["frozen"] if variant.frozen else stages.get(dataset, stages["agedb"])
        frozen = variant.frozen
    overrides["epochs"] = unified.get("epochs") or spec["epochs"]
    return fit_settings(config, spec, variant.backbone, frozen, **overrides)


def grid_point_settings(settings: dict, learning_rate: float, batch_size: int, epochs: int) -> dict:
    """The real training's settings at a grid point: its learning rate, batch size and epochs, no
    schedule, the last epoch kept (its validation loss is the score); it backs up after every
    epoch (`run_options`)."""
    point = {"learning_rate": learning_rate, "batch_size": batch_size, "epochs": epochs, "patience": None,
             "keep": KEEP_LAST}
    return recorded(asdict(FitSettings(**{**settings, **point})))


def run_options(config: dict, backup_every_epoch: bool = False) -> RunOptions:
    """A training job's `RunOptions` from the config (a grid point backs up after every epoch)."""
    training = config["training"]
    return RunOptions(0.0 if backup_every_epoch else float(training["backup_interval_minutes"]),
                      bool(training["require_gpu"]))


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
            "fold schedule watches": chosen("fold_training", "schedule_monitor"),
            "unified benchmark recipe": (config.get("benchmarks", {}).get("unified") or {}).get("recipe", "thesis")}


def prepare_options(config: dict, dataset: str) -> dict:
    """Face location and crop settings of a dataset (`agecascade.data.prepare.PrepareOptions`).

    A dataset with a unified-benchmark database file keeps a picture without a detected face
    whole (the benchmark's parts must match its file); with `no_face: drop` its thesis split
    leaves such pictures out (`data.folds.train_val_split`), so the cascade trains as before."""
    spec = config["datasets"][dataset]
    no_face = "keep" if spec.get("protocol_file") else spec["no_face"]
    return {"image_size": config["image_size"], "margin": config["margin"], "detector": spec["detector"],
            "no_face": no_face, "min_confidence": spec["min_confidence"], "crop": spec.get("crop", "margin")}


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
