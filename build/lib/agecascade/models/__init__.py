"""Face backbones (VGG16, ResNet50, SENet50 as in keras-vggface), their weights, and the age head."""

from agecascade.models.backbones import BACKBONES, build_backbone, keras_name, vggface_name
from agecascade.models.head import (
    LabelSpace,
    build_age_model,
    expected_age,
    label_space_of,
    transfer,
)
from agecascade.models.weights import WeightLoadError, load_vggface_weights

__all__ = [
    "BACKBONES",
    "LabelSpace",
    "WeightLoadError",
    "build_age_model",
    "build_backbone",
    "expected_age",
    "keras_name",
    "label_space_of",
    "load_vggface_weights",
    "transfer",
    "vggface_name",
]
