"""What a backbone module declares (`BACKBONE`), and the keras-vggface name mapping.

Keras 3 forbids "/" in layer names, which every ResNet/SENet batch-norm layer of keras-vggface has
(`conv1/7x7_s2/bn`). Names are mapped one-to-one: "/" <-> "__" (`conv1__7x7_s2__bn`); no
keras-vggface name contains "__", so `vggface_name(keras_name(n)) == n` for every layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


def keras_name(name: str) -> str:
    """keras-vggface layer name -> Keras 3 layer name."""
    return name.replace("/", "__")


def vggface_name(name: str) -> str:
    """Keras 3 layer name -> keras-vggface layer name."""
    return name.replace("__", "/")


@dataclass(frozen=True)
class ThesisRow:
    """A Table 4 row of the thesis (FG-NET, leave one person out): its label and, where the thesis
    reports one, MAE, median AE and the upper / lower quartile of the per-fold MAEs."""

    label: str
    mae: float | None = None
    median_ae: float | None = None
    q3: float | None = None
    q1: float | None = None


@dataclass(frozen=True)
class Backbone:
    """One face backbone.

    Attributes:
        name: the config's and the variants' spelling (`vgg16`).
        label: the thesis' spelling (`VGG-16`).
        preprocessing: keras-vggface's preprocessing version (1: VGGFace, 2: VGGFace2).
        weight_file: keras-vggface's notop weight file (Keras 2 HDF5 layout, `models.weights`).
        parameters: the parameter count without the classifier (keras-vggface's model summary).
        first_conv, last_conv: Keras names of the first and last convolutional layer (features;
            the last is Grad-CAM's target).
        hidden_layers: names of the head's layers between the feature map and the output layer.
        features: (x) -> the feature map: the backbone's layers on preprocessed faces.
        head: (seed) -> fresh hidden head layers, named as `hidden_layers`.
        thesis: {pretraining: ThesisRow} of the variants the thesis reports.
    """

    name: str
    label: str
    preprocessing: int
    weight_file: str
    parameters: int
    first_conv: str
    last_conv: str
    hidden_layers: tuple[str, ...]
    features: Callable = field(repr=False)
    head: Callable = field(repr=False)
    thesis: dict = field(default_factory=dict, repr=False)

    @property
    def gradcam_layer(self) -> str:
        """The layer Grad-CAM weighs: the last convolutional layer (Selvaraju et al.)."""
        return self.last_conv
