"""VGG16, ResNet50 and SENet50 face backbones with keras-vggface's architectures and layer names.

keras-vggface's VGG16 is the VGGFace (v1) model (2,622 identities); its ResNet50 and SENet50 are
VGGFace2 models (8,631 identities). Without their classifiers they have 14,714,688, 23,561,152 and
26,092,144 parameters.

Keras 3 forbids "/" in layer names, which every ResNet/SENet batch-norm layer of keras-vggface has
(`conv1/7x7_s2/bn`). Names are mapped one-to-one: "/" <-> "__" (`conv1__7x7_s2__bn`); no
keras-vggface name contains "__", so `vggface_name(keras_name(n)) == n` for every layer.
"""

from __future__ import annotations

import keras
from keras import layers

from agecascade.models.preprocessing import FacePreprocess
from agecascade.vocabulary import BACKBONES

# keras-vggface preprocessing version: 1 = VGGFace (VGG16), 2 = VGGFace2 (ResNet50, SENet50)
PREPROCESS_VERSION = {"vgg16": 1, "resnet50": 2, "senet50": 2}
# The last convolutional layer (Grad-CAM, feature extraction), in Keras names
LAST_CONV = {"vgg16": "conv5_3", "resnet50": "conv5_3_1x1_increase", "senet50": "conv5_3_1x1_increase"}
FIRST_CONV = {"vgg16": "conv1_1", "resnet50": "conv1__7x7_s2", "senet50": "conv1__7x7_s2"}


def keras_name(name: str) -> str:
    """keras-vggface layer name -> Keras 3 layer name."""
    return name.replace("/", "__")


def vggface_name(name: str) -> str:
    """Keras 3 layer name -> keras-vggface layer name."""
    return name.replace("__", "/")


def _vgg16(x):
    for block, (filters, convs) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)), 1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{block}_{i}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"pool{block}")(x)
    return x


def _bn(x, name: str, epsilon: float):
    return layers.BatchNormalization(axis=-1, epsilon=epsilon, name=keras_name(name))(x)


def _squeeze_excite(x, name: str, ratio: int = 16):
    channels = x.shape[-1]
    se = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_se_pool")(x)
    se = layers.Conv2D(channels // ratio, 1, use_bias=True, activation="relu", name=f"{name}_1x1_down")(se)
    se = layers.Conv2D(channels, 1, use_bias=True, activation="sigmoid", name=f"{name}_1x1_up")(se)
    return layers.Multiply(name=f"{name}_se_scale")([x, se])


def _bottleneck(x, filters, stage: int, block: int, strides: int, project: bool, se: bool, epsilon: float):
    """A ResNet-50 bottleneck block (1x1 reduce, 3x3, 1x1 increase), optionally with SE."""
    reduce, middle, increase = filters
    name = f"conv{stage}_{block}"
    y = layers.Conv2D(reduce, 1, strides=strides, use_bias=False, name=f"{name}_1x1_reduce")(x)
    y = layers.Activation("relu")(_bn(y, f"{name}_1x1_reduce/bn", epsilon))
    y = layers.Conv2D(middle, 3, padding="same", use_bias=False, name=f"{name}_3x3")(y)
    y = layers.Activation("relu")(_bn(y, f"{name}_3x3/bn", epsilon))
    y = layers.Conv2D(increase, 1, use_bias=False, name=f"{name}_1x1_increase")(y)
    y = _bn(y, f"{name}_1x1_increase/bn", epsilon)
    if se:
        y = _squeeze_excite(y, name)
    shortcut = x
    if project:
        shortcut = layers.Conv2D(increase, 1, strides=strides, use_bias=False, name=f"{name}_1x1_proj")(x)
        shortcut = _bn(shortcut, f"{name}_1x1_proj/bn", epsilon)
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.Activation("relu", name=f"{name}_relu")(y)


def _resnet50(x, se: bool):
    # keras-vggface: SENet50 uses batch-norm epsilon 1e-4, ResNet50 Keras' default 1e-3
    epsilon = 1e-4 if se else 1e-3
    x = layers.Conv2D(64, 7, strides=2, padding="same", use_bias=False, name=keras_name("conv1/7x7_s2"))(x)
    x = layers.Activation("relu")(_bn(x, "conv1/7x7_s2/bn", epsilon))
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    stages = ((2, (64, 64, 256), 3), (3, (128, 128, 512), 4), (4, (256, 256, 1024), 6), (5, (512, 512, 2048), 3))
    for stage, filters, blocks in stages:
        for block in range(1, blocks + 1):
            strides = 2 if block == 1 and stage > 2 else 1
            x = _bottleneck(x, filters, stage, block, strides, project=block == 1, se=se, epsilon=epsilon)
    return x


def build_backbone(name: str, input_shape) -> keras.Model:
    """A face backbone without its classifier, preprocessing included.

    The model takes RGB pictures with values 0-255 (float or uint8) and applies keras-vggface's
    preprocessing itself (RGB -> BGR, minus the channel means of its version), so any code that
    feeds it faces does not need to know the backbone.

    Args:
        name: "vgg16", "resnet50" or "senet50".
        input_shape: (height, width, 3).

    Returns:
        A Keras model whose output is the last convolutional block's feature map.
    """
    if name not in BACKBONES:
        raise ValueError(f"Unknown backbone. Expected one of {BACKBONES}. Received: name={name!r}")
    inputs = keras.Input(shape=input_shape, name="image")
    x = FacePreprocess(PREPROCESS_VERSION[name], name="preprocess")(inputs)
    if name == "vgg16":
        x = _vgg16(x)
    else:
        x = _resnet50(x, se=name == "senet50")
    return keras.Model(inputs, x, name=f"vggface_{name}")
