"""CNN features of every face of a dataset, for the regression experiment (thesis Table 5).

Thesis section 4: features are taken from the last convolutional layer, keeping only the global
maximum of each filter map (VGG16: 512 values); compared with (i) the same from the first
convolutional layer and (ii) the last convolutional layer flattened without pooling.

An extractor is named like a variant, `<backbone>-<pretraining>`: `vgg16-faces2` is the
face-recognition backbone (keras-vggface weights, or random initialisation in the demo),
`vgg16-imdb-agedb` the backbone of the cascade stage model. Layers: `last`, `first`, `flat`.

Output (HDF5, h5py): `features` float32 (faces, dims) in the row order of the face store,
`index` (store row), and attrs naming extractor, layer, Keras layer and pooling.
"""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np

from agecascade.vocabulary import LAYERS, Variant

log = logging.getLogger(__name__)

BATCH_SIZE = 64  # faces per model call


def feature_model(backbone, backbone_name: str, layer: str):
    """Backbone input -> the chosen features (global max per filter, or flattened)."""
    import keras

    from agecascade.backbones.registry import backbone as backbone_spec

    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS}. Received: layer={layer!r}")
    spec = backbone_spec(backbone_name)
    conv = spec.first_conv if layer == "first" else spec.last_conv
    maps = backbone.get_layer(conv).output
    pooled = keras.layers.Flatten()(maps) if layer == "flat" else keras.layers.GlobalMaxPooling2D()(maps)
    return keras.Model(backbone.input, pooled, name=f"features_{layer}"), conv


def extractor_backbone(extractor: str, start=None, *, image_size: int, seed: int):
    """The backbone an extractor uses.

    Args:
        extractor: `<backbone>-faces2` or `<backbone>-<chain>`.
        start: the stage model (`.keras`) for a chain; the keras-vggface weight file (`.h5`) or
            None (random initialisation, demo) for `-faces2`.
    """
    import keras

    from agecascade.models.backbones import build_backbone
    from agecascade.models.weights import load_vggface_weights
    from agecascade.models.files import load_age_model

    backbone_name = Variant.parse(extractor).backbone
    if not Variant.parse(extractor).frozen:
        if start is None or not str(start).endswith(".keras"):
            raise ValueError(f"Extractor {extractor} needs its stage model (.keras). Received: start={start}")
        return backbone_name, load_age_model(start).get_layer("backbone")
    keras.utils.set_random_seed(seed)
    backbone = build_backbone(backbone_name, (image_size, image_size, 3))
    if start is not None:
        load_vggface_weights(backbone, start)
    else:
        log.warning("%s: random initialisation (no keras-vggface weights): demo features only", extractor)
    return backbone_name, backbone


def extract_features(extractor: str, layer: str, store, out_path, start=None, *, image_size: int, seed: int,
                     threads: int | None = None) -> dict:
    """Write the features of every face of `store` to `out_path`, streaming `BATCH_SIZE` faces at
    a time.

    Returns:
        Summary: number of faces and feature dimension.
    """
    from agecascade.device import setup_device

    setup_device(None, threads)  # threads, and a log line saying what it runs on
    backbone_name, backbone = extractor_backbone(extractor, start, image_size=image_size, seed=seed)
    batch_size = BATCH_SIZE
    model, conv = feature_model(backbone, backbone_name, layer)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    with h5py.File(store, "r") as source, h5py.File(partial, "w") as out:
        images = source["images"]
        n = len(images)
        dims = int(np.prod(model.output_shape[1:]))
        features = out.create_dataset("features", shape=(n, dims), dtype="float32",
                                      chunks=(min(max(n, 1), batch_size), dims))
        out.create_dataset("index", data=np.arange(n, dtype=np.int64))
        for start_row in range(0, n, batch_size):
            batch = images[start_row:start_row + batch_size]
            features[start_row:start_row + len(batch)] = np.asarray(model.predict_on_batch(batch))
        out.attrs.update({"extractor": extractor, "layer": layer, "keras_layer": conv,
                          "pooling": "flatten" if layer == "flat" else "global_max",
                          "store": str(store), "image_size": int(images.shape[1])})
    partial.replace(out_path)  # a killed job leaves no complete-looking file
    log.info("%s %s: %d faces x %d features", extractor, layer, n, dims)
    return {"faces": n, "dims": dims}
