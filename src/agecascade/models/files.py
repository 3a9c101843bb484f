"""Reading and describing agecascade model files (`agecascade info`, and the loader every command
and the training's start models use): an error that says what a file is when it is not an age
model, and what a model records about itself (label space, preprocessing, training data and
settings, recorded metrics).
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd


def load_age_model(path):
    """Load a saved age model (registers agecascade's layers and optimizer first)."""
    import keras

    _register_layers()
    return keras.saving.load_model(path)


def _register_layers() -> None:
    """Import the modules that register agecascade's layers and optimizer with Keras."""
    import agecascade.keras_internals  # noqa: F401  (registers the optimizer)
    import agecascade.models.batchnorm  # noqa: F401  (registers Keras2BatchNormalization)
    import agecascade.models.head  # noqa: F401  (registers LabelSpace)
    import agecascade.models.preprocessing  # noqa: F401  (registers FacePreprocess)


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


CONFIG_LIMIT = 64 * 2**20  # a model's config.json is kilobytes; more is not a model description
WEIGHTS_ENTRY = "model.weights.h5"
MAX_MARGIN, MAX_IMAGE_SIZE = 2.0, 4096


def _archive(path) -> tuple[dict, dict[str, int]]:
    """A `.keras` file's config.json and the unpacked size each of its entries declares, read
    without unpacking anything else."""
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
            if sizes.get("config.json", CONFIG_LIMIT + 1) > CONFIG_LIMIT:
                raise ModelFileError(f"{path} has no model description of a sane size (config.json).")
            return json.loads(archive.read("config.json")), sizes
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, KeyError) as error:
        raise ModelFileError(f"{path} is not a Keras age model saved by agecascade ({type(error).__name__}).") from None


def _top_layers(config: dict) -> dict[str, dict]:
    """{name: layer config} of a functional model's own layers."""
    return {layer["config"].get("name"): layer for layer in config.get("config", {}).get("layers", [])
            if isinstance(layer, dict) and isinstance(layer.get("config"), dict)}


def _check_crop(path, info: dict) -> None:
    margin, size = info.get("margin"), info.get("image_size")
    if margin is not None and not (isinstance(margin, (int, float)) and 0 <= margin <= MAX_MARGIN):
        raise ModelFileError(f"{path}: its stored crop margin {margin!r} is outside 0-{MAX_MARGIN:g} (the study: 0.4).")
    if size is not None and not (isinstance(size, int) and 0 < size <= MAX_IMAGE_SIZE):
        raise ModelFileError(f"{path}: its stored image size {size!r} is not a side of 1-{MAX_IMAGE_SIZE} pixels.")


def check_model_file(path) -> tuple[dict, dict[str, int]]:
    """Check what a model file says about itself before Keras loads it (one line each, a
    ModelFileError): its label space (finite values, as many as its output layer's classes) and
    its stored crop. Returns its config and its entries' declared sizes (`check_weights_size`)."""
    config, sizes = _archive(path)
    layers = _top_layers(config)
    if "label_space" not in layers:
        raise ModelFileError(f"{path} is a Keras model but not an agecascade age model (it has no label_space layer).")
    space = layers["label_space"]["config"]
    values = space.get("values") or []
    wrong = next((i for i, v in enumerate(values) if not isinstance(v, (int, float)) or not math.isfinite(v)), None)
    if wrong is not None:
        raise ModelFileError(f"{path}: label value {values[wrong]!r} of class {wrong} is not a finite number.")
    units = layers.get("age_softmax", {}).get("config", {}).get("units", len(values))
    if units != len(values) or len(space.get("names") or values) != len(values):
        raise ModelFileError(f"{path}: its output layer has {units} classes but its label space {len(values)} "
                             f"values and {len(space.get('names') or values)} names.")
    _check_crop(path, space.get("info") or {})
    return config, sizes


def check_weights_size(path, config: dict, sizes: dict[str, int]) -> None:
    """Refuse a weights entry that would unpack to more than the layers its config describes can
    hold (float32 weights with up to three optimizer copies, plus HDF5's own headers), before it
    is unpacked: a zip bomb is refused in one line, not loaded."""
    import keras

    _register_layers()
    model = keras.saving.deserialize_keras_object(config)  # the layers only, no weights read
    bound = 4 * 4 * model.count_params() + 16 * 2**20
    declared = sizes.get(WEIGHTS_ENTRY, 0)
    if declared > bound:
        raise ModelFileError(f"{path}: its weights would unpack to {declared:,} bytes, more than the {bound:,} its "
                             "layers can hold: refused.")


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

    config, sizes = check_model_file(path)  # before Keras loads anything
    check_weights_size(path, config, sizes)
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
        "calibration": {key: info[key] for key in ("temperature", "calibration", "validation_coverage_80",
                                                  "validation_coverage_80_uncalibrated") if key in info}
                       or {"temperature": 1.0, "calibration": "none recorded (an earlier model)"},
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
