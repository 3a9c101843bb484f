"""Building a face backbone by name: keras-vggface's architecture (`agecascade.backbones.<name>`)
behind its own preprocessing.

keras-vggface's VGG16 is the VGGFace (v1) model (2,622 identities); its ResNet50 and SENet50 are
VGGFace2 models (8,631 identities). Layer names are keras-vggface's, with "/" written "__"
(`agecascade.backbones.spec.keras_name`).
"""

from __future__ import annotations

import keras

from agecascade.backbones.registry import backbone as backbone_spec
from agecascade.backbones.spec import keras_name, vggface_name
from agecascade.models.preprocessing import FacePreprocess

__all__ = ["build_backbone", "keras_name", "vggface_name"]


def build_backbone(name: str, input_shape) -> keras.Model:
    """A face backbone without its classifier, preprocessing included.

    The model takes RGB pictures with values 0-255 (float or uint8) and applies keras-vggface's
    preprocessing itself (RGB -> BGR, minus the channel means of its version), so any code that
    feeds it faces does not need to know the backbone.

    Args:
        name: a backbone of `agecascade.backbones` ("vgg16", "resnet50", "senet50").
        input_shape: (height, width, 3).

    Returns:
        A Keras model whose output is the last convolutional block's feature map, named
        `vggface_<name>`.
    """
    spec = backbone_spec(name)
    inputs = keras.Input(shape=input_shape, name="image")
    x = FacePreprocess(spec.preprocessing, name="preprocess")(inputs)
    return keras.Model(inputs, spec.features(x), name=f"vggface_{name}")
