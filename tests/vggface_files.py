"""Weight files in keras-vggface's Keras 2 HDF5 layout, written by the tests (the real files cannot
be downloaded here)."""

from pathlib import Path

import h5py
import keras
import numpy as np


def write_weight_file(model: keras.Model, path: str | Path, to_file_name=None) -> None:
    """Write a model's weights in keras-vggface's Keras 2 HDF5 layout (what keras-vggface's download holds).

    Args:
        model: a backbone.
        path: output file.
        to_file_name: maps a Keras layer name to its name in the file (default: keras-vggface's).
    """
    from agecascade.models.backbones import vggface_name

    to_file_name = to_file_name or vggface_name
    with h5py.File(path, "w") as handle:
        names = []
        for layer in model.layers:
            name = to_file_name(layer.name)
            names.append(name.encode("utf8"))
            group = handle.require_group(name)
            weight_names = [f"{name}/{v.name.split('/')[-1]}:0" for v in layer.weights]
            # fixed-length byte strings, as Keras 2 wrote them
            group.attrs["weight_names"] = np.array([n.encode("utf8") for n in weight_names], dtype="S")
            for weight_name, variable in zip(weight_names, layer.weights):
                group.create_dataset(weight_name, data=keras.ops.convert_to_numpy(variable))
        handle.attrs["layer_names"] = np.array(names, dtype="S")
        handle.attrs["backend"] = b"tensorflow"
        handle.attrs["keras_version"] = b"2.2.4"
