"""Loading keras-vggface weight files (Keras 2 HDF5 layout) into the Keras 3 backbones.

Layout of `rcmalli_vggface_tf_notop_<backbone>.h5`: the root attribute `layer_names` lists the
layers; the group of each layer (h5py path = layer name, so `conv1/7x7_s2/bn` is nested groups)
has the attribute `weight_names` (`conv1/7x7_s2/bn/gamma:0`, ...) and one dataset per weight under
that name. Weights are assigned by layer name and weight role (kernel, bias, gamma, beta,
moving_mean, moving_variance). Unlike Keras' `by_name` loading, which silently skips every layer
whose name changed (54 of ResNet50's 106 weighted layers after the "/" renaming), this fails if any
weighted layer of the model gets no weights or a shape differs.
"""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import keras
import numpy as np

from agecascade.backbones.spec import keras_name

log = logging.getLogger(__name__)


class WeightLoadError(Exception):
    """A weight file that does not fit the model."""


def _decode(values) -> list[str]:
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _role(weight_name: str) -> str:
    """`conv1/7x7_s2/bn/moving_mean:0` -> `moving_mean`."""
    return weight_name.split("/")[-1].split(":")[0]


def read_weight_file(path: str | Path) -> dict[str, dict[str, np.ndarray]]:
    """{keras layer name: {weight role: array}} of a Keras 2 HDF5 weight file."""
    with h5py.File(path, "r") as handle:
        root = handle["model_weights"] if "model_weights" in handle else handle
        if "layer_names" not in root.attrs:
            raise WeightLoadError(f"{path}: no `layer_names` attribute; not a Keras 2 weight file.")
        weights = {}
        for layer in _decode(root.attrs["layer_names"]):
            group = root[layer]
            names = _decode(group.attrs.get("weight_names", []))
            if names:
                weights[keras_name(layer)] = {_role(n): np.asarray(group[n]) for n in names}
        return weights


def load_vggface_weights(model: keras.Model, path: str | Path) -> int:
    """Assign a keras-vggface weight file to a backbone built by `build_backbone`.

    Returns:
        The number of layers loaded.

    Raises:
        WeightLoadError: a weighted layer of the model has no weights in the file, a weight role
            is missing, or a shape differs.
    """
    stored = read_weight_file(path)
    loaded, problems = 0, []
    for layer in model.layers:
        if not layer.weights:
            continue
        if layer.name not in stored:
            problems.append(f"layer {layer.name!r}: not in the file")
            continue
        values = []
        for variable in layer.weights:
            role = variable.name.split("/")[-1]
            array = stored[layer.name].get(role)
            if array is None:
                problems.append(f"layer {layer.name!r}: no {role!r} in the file")
            elif tuple(array.shape) != tuple(variable.shape):
                problems.append(
                    f"layer {layer.name!r}: {role} has shape {tuple(array.shape)} in the file, "
                    f"{tuple(variable.shape)} in the model"
                )
            values.append(array)
        if len(values) == len(layer.weights) and all(v is not None for v in values):
            if not any(p.startswith(f"layer {layer.name!r}") for p in problems):
                layer.set_weights(values)
                loaded += 1
    if problems:
        shown = "\n  ".join(problems[:20])
        raise WeightLoadError(
            f"{path} does not fit {model.name} ({len(problems)} problems):\n  {shown}"
        )
    extra = sorted(set(stored) - {layer.name for layer in model.layers})
    if extra:
        log.info("%s: %d layers of the file are not in the model (ignored): %s", path, len(extra), extra[:5])
    return loaded
