"""The age head, the cascade transfer, and the label space a model carries.

Thesis section 4: VGG-16's last block is "fed into a set of fully connected layers which we set to
have size 512 and 256", then "a softmax layer which we change to have 91, 63, 8 or 3 output
neurons"; ResNet-50 and SENet-50 keep their architecture "except for the final softmax layer",
which sits on their pooled 2,048 features. Modes b and c fine-tune "the full model": a cascade step
keeps every layer of the parent model and replaces only the output layer (He-normal, "Gaussian He
initialization"). The predicted age is the expected value sum_i p_i * age_i (Rothe et al.).

A `LabelSpace` layer closes every age model: an identity on the probabilities whose config holds
the label values, their names and a free `info` dict (backbone, chain, dataset, margin, ...), so a
saved `.keras` file is usable without the workflow's config.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from agecascade import decision
from agecascade.backbones.registry import backbone as backbone_spec
from agecascade.models.backbones import build_backbone
from agecascade.models.batchnorm import uses_batch_statistics

OUTPUT_LAYER = "age_softmax"


@keras.saving.register_keras_serializable(package="agecascade")
class LabelSpace(keras.layers.Layer):
    """Identity on class probabilities; carries what the classes mean.

    Args:
        values: the numeric value of each class (age in years, or group index).
        names: a display name per class (defaults to the values).
        kind: "age" (values are ages) or "group" (classes are age groups).
        info: free-form provenance (backbone, chain, dataset, image_size, margin, ...).
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


def recorded_backbone(model: keras.Model) -> str:
    """The backbone an age model records (`LabelSpace.info["backbone"]`, written when it was built)."""
    name = label_space_of(model).info.get("backbone")
    if not name:
        raise ValueError(f"{model.name} records no backbone (LabelSpace.info['backbone']); rebuild it with "
                         "agecascade.models.build_age_model.")
    return name


def _architecture(backbone: keras.Model) -> str:
    """The name of a backbone built by `build_backbone` (`vggface_<name>`)."""
    name = backbone.name.removeprefix("vggface_")
    backbone_spec(name)  # a ValueError naming the known backbones
    return name


def _close(inputs, x, values, names, kind, info, seed) -> keras.Model:
    """Add the output layer (He-normal softmax over the label space) and the `LabelSpace`."""
    init = keras.initializers.HeNormal(seed=None if seed is None else seed + 2)
    # the softmax in float32 whatever the precision policy (mixed precision's numerics)
    x = layers.Dense(len(values), activation="softmax", kernel_initializer=init, name=OUTPUT_LAYER, dtype="float32")(x)
    outputs = LabelSpace(values, names, kind, info, name="label_space", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="age_model")


def build_age_model(backbone: keras.Model | str, values, names=None, kind="age", info=None,
                    frozen: bool = False, input_shape=None, seed: int | None = None) -> keras.Model:
    """A face backbone with a new age head: the thesis' head of that backbone and an output layer.

    Args:
        backbone: a face backbone model or its name.
        values, names, kind, info: the label space (see `LabelSpace`).
        frozen: mode a of the study: the backbone is not trained and its batch-norm layers stay
            in inference mode; only the head is trained.
        input_shape: (side, side, 3) of the faces; needed when `backbone` is a name.
        seed: seed of the head's He-normal initialisers.

    Returns:
        Model: RGB faces (0-255) -> class probabilities.
    """
    if isinstance(backbone, str):
        if input_shape is None:
            raise ValueError(f"Building {backbone} by name needs input_shape. Received: input_shape=None")
        backbone = build_backbone(backbone, input_shape)
    architecture = _architecture(backbone)
    info = {"backbone": architecture, **(info or {})}
    if backbone.name != "backbone":
        backbone = keras.Model(backbone.input, backbone.output, name="backbone")
    backbone.trainable = not frozen
    inputs = keras.Input(shape=backbone.input_shape[1:], name="face")
    # a frozen backbone runs in inference mode, unless its batch norm is Keras 2.2's (which then
    # normalises with the batch's statistics in training: models.batchnorm)
    x = backbone(inputs, training=False) if frozen and not uses_batch_statistics(backbone) else backbone(inputs)
    for layer in backbone_spec(architecture).head(seed):
        x = layer(x)
    return _close(inputs, x, values, names, kind, info, seed)


def transfer(parent: keras.Model, values, names=None, kind="age", info=None, seed=None) -> keras.Model:
    """One cascade step: every layer of `parent` is kept (weights included) except the output
    layer, which is replaced by a new one for the label space `values`; all layers train.

    Args:
        parent: an age model (a cascade stage model).
        values, names, kind, info: the new label space (see `LabelSpace`).
        seed: seed of the new output layer's He-normal initialiser.
    """
    architecture = recorded_backbone(parent)
    info = {"backbone": architecture, **(info or {})}
    backbone = parent.get_layer("backbone")
    backbone.trainable = True
    inputs = keras.Input(shape=parent.input_shape[1:], name="face")
    x = backbone(inputs)
    for name in backbone_spec(architecture).hidden_layers:
        layer = parent.get_layer(name)
        layer.trainable = True
        x = layer(x)
    return _close(inputs, x, values, names, kind, info, seed)


def label_space_of(model: keras.Model) -> LabelSpace:
    """The `LabelSpace` layer of an age model."""
    try:
        return model.get_layer("label_space")
    except ValueError as error:
        raise ValueError(f"{model.name} is not an agecascade age model (no label_space layer).") from error


def expected_age(probabilities, values) -> np.ndarray:
    """Expected value sum_i p_i * value_i per row of class probabilities (`agecascade.decision`)."""
    return decision.expected(probabilities, values)
