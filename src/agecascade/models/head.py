"""The age head and the label space a model carries.

The head of the study: dense 512 -> dense 256 -> softmax over the label space of the dataset the
model is trained on (sorted distinct training ages; or the 8 / 3 Adience groups), He-normal
initialisation. It is replaced when the cascade moves to the next dataset. The predicted age is the
expected value sum_i p_i * age_i (Rothe et al.).

A `LabelSpace` layer closes every age model: an identity on the probabilities whose config holds
the label values, their names and a free `info` dict (backbone, chain, dataset, ...), so a saved
`.keras` file is usable without the workflow's config.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from agecascade.models.backbones import build_backbone


@keras.saving.register_keras_serializable(package="agecascade")
class LabelSpace(keras.layers.Layer):
    """Identity on class probabilities; carries what the classes mean.

    Args:
        values: the numeric value of each class (age in years, or group index).
        names: a display name per class (defaults to the values).
        kind: "age" (values are ages) or "group" (classes are age groups).
        info: free-form provenance (backbone, chain, dataset, image_size, ...).
    """

    def __init__(self, values, names=None, kind="age", info=None, **kwargs):
        super().__init__(**kwargs)
        self.values = [float(v) for v in values]
        self.names = [str(n) for n in (names if names is not None else [f"{v:g}" for v in self.values])]
        if len(self.names) != len(self.values):
            raise ValueError(f"names and values differ in length. Received: {len(self.names)} vs {len(self.values)}")
        if kind not in ("age", "group"):
            raise ValueError(f"kind must be 'age' or 'group'. Received: kind={kind!r}")
        self.kind = kind
        self.info = dict(info or {})

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {**super().get_config(), "values": self.values, "names": self.names,
                "kind": self.kind, "info": self.info}


def build_age_model(backbone: keras.Model | str, values, names=None, kind="age", info=None,
                    frozen: bool = False, input_shape=(224, 224, 3), seed: int | None = None) -> keras.Model:
    """A backbone with the age head on top.

    Args:
        backbone: a backbone model (e.g. from a previous cascade stage) or its name.
        values, names, kind, info: the label space (see `LabelSpace`).
        frozen: mode a of the study: the backbone is not trained and its batch-norm layers stay
            in inference mode; otherwise everything is trained (modes b and c).
        input_shape: used when `backbone` is a name.
        seed: seed of the head's He-normal initialisers.

    Returns:
        Model: RGB faces (0-255) -> class probabilities.
    """
    if isinstance(backbone, str):
        backbone = build_backbone(backbone, input_shape)
    if backbone.name != "backbone":
        backbone = keras.Model(backbone.input, backbone.output, name="backbone")
    backbone.trainable = not frozen
    inputs = keras.Input(shape=backbone.input_shape[1:], name="face")
    x = backbone(inputs, training=False) if frozen else backbone(inputs)
    if any(layer.name == "pool5" for layer in backbone.layers):
        x = layers.Flatten(name="flatten")(x)  # VGG16: the thesis' dense layers follow pool5
    else:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)  # ResNet50/SENet50: avg_pool
    init = lambda k: keras.initializers.HeNormal(seed=None if seed is None else seed + k)  # noqa: E731
    x = layers.Dense(512, activation="relu", kernel_initializer=init(0), name="fc1")(x)
    x = layers.Dense(256, activation="relu", kernel_initializer=init(1), name="fc2")(x)
    x = layers.Dense(len(values), activation="softmax", kernel_initializer=init(2), name="age_softmax")(x)
    outputs = LabelSpace(values, names, kind, info, name="label_space")(x)
    return keras.Model(inputs, outputs, name="age_model")


def replace_head(model: keras.Model, values, names=None, kind="age", info=None, frozen=False,
                 seed=None) -> keras.Model:
    """Keep the (fine-tuned) backbone of an age model, put a new head for a new label space on it."""
    return build_age_model(model.get_layer("backbone"), values, names, kind, info, frozen, seed=seed)


def label_space_of(model: keras.Model) -> LabelSpace:
    """The `LabelSpace` layer of an age model."""
    try:
        return model.get_layer("label_space")
    except ValueError as error:
        raise ValueError(f"{model.name} is not an agecascade age model (no label_space layer).") from error


def expected_age(probabilities, values) -> np.ndarray:
    """Expected value sum_i p_i * value_i per row of class probabilities."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if probabilities.shape[-1] != values.shape[0]:
        raise ValueError(f"{probabilities.shape[-1]} probabilities per row for {values.shape[0]} label values.")
    return probabilities @ values
