"""The Keras internals agecascade relies on (`agecascade.keras_internals`), against the pinned Keras.

A Keras upgrade that renames or removes one of them fails here, not in a week-long training."""

import re
from pathlib import Path

import keras
import numpy as np

from agecascade import keras_internals
from agecascade.keras_internals import Adam, build_for_training

ROOT = Path(__file__).resolve().parents[1]


def test_written_for_the_keras_version_in_requirements():
    pinned = re.search(r"^keras==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)[1]
    assert keras_internals.KERAS_VERSION == pinned == keras.__version__


def test_the_private_attributes_used_exist():
    callback = keras.callbacks.BackupAndRestore("/tmp/unused-agecascade-backup")
    assert hasattr(callback, "_current_epoch") and hasattr(callback, "_last_batch_seen")
    assert hasattr(callback, "_weights_path") and hasattr(callback, "_training_metadata_path")
    assert callable(getattr(keras.callbacks.BackupAndRestore, "_save_model"))
    assert callable(getattr(keras.Model, "_symbolic_build"))
    assert callable(getattr(keras.optimizers.Adam, "_get_variable_index"))


def _model(seed):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((6,))
    x = keras.layers.Dense(5, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


def test_fused_adam_updates_as_keras_adam():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 6)).astype("float32"), rng.integers(0, 3, 32)
    weights = []
    for optimizer in (keras.optimizers.Adam(0.01), Adam(0.01)):
        model = _model(0)
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        build_for_training(model, x, y)
        assert optimizer.built  # before the first step: the step is traced once
        for _ in range(5):
            model.train_on_batch(x, y)
        weights.append(model.get_weights())
    moved = max(np.abs(a - b).max() for a, b in zip(weights[1], _model(0).get_weights()))
    assert moved > 0.02  # five steps of 0.01 moved the weights
    for keras_adam, fused in zip(*weights):
        np.testing.assert_allclose(fused, keras_adam, rtol=1e-5, atol=1e-6)
