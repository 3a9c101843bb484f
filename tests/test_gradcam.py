"""Grad-CAM on a model whose answer depends on one region of the face only, and on the three backbones."""

from __future__ import annotations

import numpy as np
import pytest


def _patch_model():
    """Age-model shaped (a `backbone` sub-model, then the head): a fixed positive 3x3 filter with
    ReLU responds only where the picture is bright; max pooling and a dense layer in which class 0
    grows and class 1 shrinks with that response."""
    import keras

    inputs = keras.Input((16, 16, 3))
    conv = keras.layers.Conv2D(2, 3, padding="same", activation="relu", name="conv_last",
                               kernel_initializer="ones", bias_initializer="zeros")
    backbone = keras.Model(inputs, conv(inputs), name="backbone")
    face = keras.Input((16, 16, 3), name="face")
    x = keras.layers.GlobalMaxPooling2D()(backbone(face))
    dense = keras.layers.Dense(2, activation="softmax", name="age_softmax")
    outputs = dense(x)
    dense.set_weights([np.array([[0.05, -0.05], [0.05, -0.05]]), np.zeros(2)])
    return keras.Model(face, outputs)


@pytest.mark.parametrize("where", [(slice(2, 6), slice(3, 7)), (slice(10, 14), slice(9, 13))])
def test_the_map_lights_up_where_the_output_comes_from(where):
    from agecascade.gradcam import gradcam

    face = np.zeros((1, 16, 16, 3), dtype=np.float32)
    face[0, where[0], where[1]] = 200.0
    cam, classes = gradcam(_patch_model(), face, conv_layer="conv_last")
    assert classes.tolist() == [0]  # bright patch -> class 0 wins
    region = np.zeros((16, 16), dtype=bool)
    region[where[0].start - 1:where[0].stop + 1, where[1].start - 1:where[1].stop + 1] = True  # 3x3 filter reach
    assert cam[0].max() == pytest.approx(1.0)
    assert region[np.unravel_index(cam[0].argmax(), cam[0].shape)]
    assert cam[0][~region].max() == 0.0  # nothing outside the patch can change the output


def test_a_class_the_region_argues_against_gets_an_empty_map():
    from agecascade.gradcam import gradcam

    face = np.zeros((1, 16, 16, 3), dtype=np.float32)
    face[0, 4:8, 4:8] = 200.0
    cam, classes = gradcam(_patch_model(), face, class_index=1, conv_layer="conv_last")
    assert classes.tolist() == [1] and cam.max() == 0.0  # negative evidence is cut by the ReLU


@pytest.mark.parametrize("backbone, side", [("vgg16", 4), ("resnet50", 2), ("senet50", 2)])
def test_every_backbone_gives_a_normalised_map_at_its_last_conv_resolution(backbone, side):
    import keras

    from agecascade.gradcam import gradcam, overlay
    from agecascade.models.head import build_age_model

    keras.utils.set_random_seed(0)
    model = build_age_model(backbone, [10, 20, 30], input_shape=(64, 64, 3), seed=0)
    faces = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3)).astype(np.uint8)
    cam, classes = gradcam(model, faces)
    assert cam.shape == (2, side, side) and classes.shape == (2,)
    assert cam.min() >= 0 and cam.max() <= 1
    blended = overlay(faces[0], cam[0])
    assert blended.shape == (64, 64, 3) and blended.dtype == np.uint8
