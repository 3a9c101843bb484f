"""Mode a's frozen batch norm: today's Keras (inference mode) and the thesis' Keras 2.2 (batch
statistics while training, moving statistics never updated, moving statistics at prediction).

Expected values are worked out by hand from the definitions (Keras 2.2's
`BatchNormalization.call` and `Network.updates`, quoted in agecascade/models/batchnorm.py)."""

import keras
import numpy as np
import pytest

from agecascade.models.batchnorm import Keras2BatchNormalization, uses_batch_statistics, with_keras2_batchnorm

EPSILON = 1e-3
BATCH = np.array([[1.0, 2.0], [3.0, 6.0]], dtype="float32")
# moving mean 0, moving variance 1, gamma 1, beta 0 (the layer's initial state)
# batch mean (2, 4), biased batch variance (1, 4): (x - mean) / sqrt(var + eps)
BATCH_NORMALISED = np.array([[-1 / np.sqrt(1 + EPSILON), -2 / np.sqrt(4 + EPSILON)],
                             [1 / np.sqrt(1 + EPSILON), 2 / np.sqrt(4 + EPSILON)]])
MOVING_NORMALISED = BATCH / np.sqrt(1 + EPSILON)  # (x - 0) / sqrt(1 + eps)


def _frozen_backbone(keras2: bool) -> keras.Model:
    inputs = keras.Input((2,))
    backbone = keras.Model(inputs, keras.layers.BatchNormalization(epsilon=EPSILON, name="bn")(inputs),
                           name="backbone")
    backbone = with_keras2_batchnorm(backbone) if keras2 else backbone
    backbone.trainable = False
    return backbone


def test_todays_frozen_batchnorm_normalises_with_the_moving_statistics_also_in_training():
    backbone = _frozen_backbone(keras2=False)
    np.testing.assert_allclose(backbone(BATCH, training=True), MOVING_NORMALISED, rtol=1e-5)
    np.testing.assert_allclose(backbone(BATCH, training=False), MOVING_NORMALISED, rtol=1e-5)


def test_keras2_frozen_batchnorm_normalises_with_the_batch_in_training_and_the_moving_statistics_after():
    backbone = _frozen_backbone(keras2=True)
    assert isinstance(backbone.get_layer("bn"), Keras2BatchNormalization) and uses_batch_statistics(backbone)
    np.testing.assert_allclose(backbone(BATCH, training=True), BATCH_NORMALISED, rtol=1e-5)
    np.testing.assert_allclose(backbone(BATCH, training=False), MOVING_NORMALISED, rtol=1e-5)


@pytest.mark.parametrize("keras2", [False, True])
def test_fitting_a_head_on_a_frozen_backbone_never_moves_its_statistics(keras2):
    backbone = _frozen_backbone(keras2)
    inputs = keras.Input((2,))
    # as build_age_model calls a frozen backbone: in inference mode unless its batch norm is Keras 2's
    features = backbone(inputs) if uses_batch_statistics(backbone) else backbone(inputs, training=False)
    model = keras.Model(inputs, keras.layers.Dense(1, name="head")(features))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(5, 3, size=(64, 2)).astype("float32"), rng.normal(size=(64, 1)), batch_size=8,
              epochs=2, verbose=0)
    bn = backbone.get_layer("bn")
    np.testing.assert_array_equal(bn.moving_mean, [0, 0])  # Keras 2.2 collected no updates of a frozen layer
    np.testing.assert_array_equal(bn.moving_variance, [1, 1])
    np.testing.assert_array_equal(bn.gamma, [1, 1])
    np.testing.assert_array_equal(bn.beta, [0, 0])
    assert not np.allclose(model.get_layer("head").kernel, 0)  # the head did train


@pytest.mark.integration  # two ResNet-50s and a save round trip
def test_a_mode_a_model_with_keras2_batchnorm_saves_loads_and_predicts_with_the_moving_statistics(tmp_path):
    from agecascade.models.files import load_age_model
    from agecascade.start_models import initial_model

    faces = np.random.default_rng(1).integers(0, 256, size=(4, 32, 32, 3)).astype("float32")
    today = initial_model("resnet50", None, [10, 20, 30], image_size=32, seed=2, frozen="inference")
    keras2 = initial_model("resnet50", None, [10, 20, 30], image_size=32, seed=2, frozen="batch_statistics")
    # same weights, same prediction; only the training-time normalisation differs
    np.testing.assert_allclose(keras2.predict(faces, verbose=0), today.predict(faces, verbose=0), rtol=1e-4)
    np.testing.assert_allclose(today(faces, training=True), today(faces, training=False), rtol=1e-4)
    assert not np.allclose(keras2(faces, training=True), keras2(faces, training=False), rtol=1e-3)
    keras2.save(tmp_path / "keras2.keras")
    np.testing.assert_allclose(load_age_model(tmp_path / "keras2.keras").predict(faces, verbose=0),
                               keras2.predict(faces, verbose=0), rtol=1e-5)
    with pytest.raises(ValueError, match="frozen must be None or one of"):
        initial_model("vgg16", None, [1, 2], image_size=32, seed=0, frozen="maybe")
