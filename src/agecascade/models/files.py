"""Reading and describing agecascade model files (`agecascade info`, and the loader every command
and the training's start models use): an error that says what a file is when it is not an age
model, and what a model records about itself (label space, preprocessing, training data and
settings, recorded metrics).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


def load_age_model(path):
    """Load a saved age model (registers agecascade's layers and optimizer first)."""
    import keras

    import agecascade.keras_internals  # noqa: F401  (registers the optimizer)
    import agecascade.models.batchnorm  # noqa: F401  (registers Keras2BatchNormalization)
    import agecascade.models.head  # noqa: F401  (registers LabelSpace)
    import agecascade.models.preprocessing  # noqa: F401  (registers FacePreprocess)

    return keras.saving.load_model(path)


class ModelFileError(ValueError):
    """A file that is not an agecascade age model."""


def group_midpoints(names) -> np.ndarray:
    """Age (years) standing for each age-group class: the middle of "low-high"."""
    middles = []
    for name in names:
        low, _, high = str(name).partition("-")
        try:
            middles.append((float(low) + float(high)) / 2.0)
        except ValueError as error:
            raise ModelFileError(f"Age group name {name!r} is not 'low-high'.") from error
    return np.asarray(middles)


def load_model_file(path):
    """Load an agecascade `.keras` age model, with a clear error for anything else.

    Raises:
        FileNotFoundError: no such file.
        ModelFileError: not a Keras model, or a Keras model without agecascade's label space.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file not found: {path}")
    from agecascade.models.head import label_space_of

    try:
        model = load_age_model(path)
    except Exception as error:  # Keras raises ValueError, OSError, zipfile errors, ... for foreign files
        raise ModelFileError(f"{path} is not a Keras age model saved by agecascade ({type(error).__name__}: "
                             f"{str(error).splitlines()[0] if str(error) else ''})") from error
    try:
        label_space_of(model)
    except ValueError as error:
        raise ModelFileError(f"{path} is a Keras model but not an agecascade age model "
                             "(it has no label_space layer).") from error
    broken = [w.path for w in model.weights if not np.isfinite(np.asarray(w)).all()]
    if broken:
        raise ModelFileError(f"{path} has NaN or infinite weights ({len(broken)} variables, e.g. {broken[0]}): "
                             "its training diverged; it predicts nothing.")
    return model


def model_info(path) -> dict:
    """What a saved model is: backbone, chain, label space, preprocessing, training data, metrics.

    Metrics come from the files the workflow writes beside the model: a stage model's
    `<chain>.history.csv`, a kept fold model's `history.csv` and its variant's `metrics.csv`.
    """
    from agecascade.models.head import label_space_of

    path = Path(path)
    model = load_model_file(path)
    space = label_space_of(model)
    info = dict(space.info)
    backbone = model.get_layer("backbone")
    preprocess = [layer for layer in backbone.layers if type(layer).__name__ == "FacePreprocess"]
    report = {
        "file": str(path),
        "backbone": info.get("backbone"),
        "chain": info.get("chain"),
        "variant": info.get("variant"),
        "label_space": {"kind": space.kind, "classes": len(space.values), "names": list(space.names)},
        "input": {"image_size": int(model.input_shape[1]), "channels": "RGB 0-255",
                  "preprocessing": (f"keras-vggface v{preprocess[0].version} (RGB->BGR, channel means)"
                                    if preprocess else "none")},
        "parameters": int(model.count_params()),
        "training_data": {k: info[k] for k in ("dataset", "benchmark", "fold", "start") if k in info},
        "settings": info.get("settings", {}),
        "metrics": _recorded_metrics(path, info),
    }
    return report


def _recorded_metrics(path: Path, info: dict) -> dict:
    metrics: dict = {}
    history = path.with_name(path.name.removesuffix(".keras") + ".history.csv")
    if not history.exists():
        history = path.with_name("history.csv")
    if history.exists():
        table = pd.read_csv(history)
        metrics["epochs"] = int(len(table))
        for column in ("loss", "val_loss"):
            if column in table and table[column].notna().any():
                metrics[f"final_{column}"] = round(float(table[column].iloc[-1]), 4)
    variant_metrics = path.parent.parent / "metrics.csv"
    if "fold" in info and variant_metrics.exists():
        table = pd.read_csv(variant_metrics, dtype={"fold": str})
        row = table[table["fold"] == str(info["fold"])]
        if len(row):
            metrics["test_fold"] = {k: (round(v, 4) if isinstance(v, float) else v)
                                    for k, v in row.iloc[0].dropna().to_dict().items()}
    return metrics


def to_json(report) -> str:
    return json.dumps(report, indent=2, default=str)
