"""What a training run starts from, and the files every training run reads: shared by the cascade
stages, the benchmark folds, the grid search and the unified benchmark's jobs."""

from __future__ import annotations

from agecascade.plan import paths
from agecascade.vocabulary import FROZEN_PRETRAININGS


def start_model(config: dict, backbone: str, pretraining: str) -> str | None:
    """What a training run starts from: the cascade stage model of a chain, the keras-vggface
    weights (`faces2`: the face backbone; `training.init: vggface`), or None (random initialisation)."""
    if pretraining not in FROZEN_PRETRAININGS:
        return paths.STAGE_MODEL.format(backbone=backbone, chain=pretraining)
    return paths.WEIGHTS.format(backbone=backbone) if config["training"]["init"] == "vggface" else None


def training_inputs(dataset: str, split: str, start: str | None) -> dict:
    """Face store, split table and label space of a training run, and its start model."""
    inputs = {"store": paths.FACE_STORE.format(dataset=dataset), "split": paths.SPLIT_TABLE.format(split=split),
              "labels": paths.LABEL_SPACE.format(split=split)}
    return {**inputs, "start": start} if start else inputs


def crop(config: dict) -> dict:
    """The faces' side and crop margin, recorded in every model (`predict` crops the same way)."""
    return {"image_size": config["image_size"], "margin": config["margin"]}
