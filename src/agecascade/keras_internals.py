"""Everything in agecascade that depends on Keras beyond its public API, in one place.

Each item names the private attribute it uses; `tests/test_keras_internals.py` checks them against
the Keras version pinned in requirements.txt, so a Keras upgrade fails there first.

* `Adam`: Keras' Adam whose update, on the TensorFlow backend, is TensorFlow's fused
  `ResourceApplyAdam` kernel (one op per variable instead of about twenty; same formula and
  epsilon). Tracing SENet50's train step is 225 variable updates: this halves the job's start-up.
  Other backends use Keras' own update.
* `build_for_training`: builds the model's, loss's, metrics' and optimizer's variables before the
  first step (`Trainer._symbolic_build`). Keras' TensorFlow trainer otherwise creates them inside
  the first traced step, and TensorFlow then traces the whole step a second time.
* `EpochBackup`: `BackupAndRestore` that saves at epoch ends only, after a time interval
  (`_save_model`, `_current_epoch`, `_last_batch_seen`).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import keras
from keras import ops

# the Keras version these internals were written against (tests/test_keras_internals.py)
KERAS_VERSION = "3.15.1"


@keras.saving.register_keras_serializable(package="agecascade")
class Adam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` with TensorFlow's fused update kernel on the TensorFlow backend."""

    def apply(self, grads, trainable_variables=None):
        self._step_constants = {}  # per dtype, built once per traced step instead of per variable
        try:
            return super().apply(grads, trainable_variables)
        finally:
            self._step_constants = {}

    def _constants(self, dtype, learning_rate):
        cache = getattr(self, "_step_constants", None)
        if cache is None or dtype not in cache:
            step = ops.cast(self.iterations + 1, dtype)
            beta_1, beta_2 = ops.cast(self.beta_1, dtype), ops.cast(self.beta_2, dtype)
            constants = {"beta1_power": ops.power(beta_1, step), "beta2_power": ops.power(beta_2, step),
                         "lr": ops.cast(learning_rate, dtype), "beta1": beta_1, "beta2": beta_2,
                         "epsilon": ops.cast(self.epsilon, dtype)}
            if cache is None:
                return constants
            cache[dtype] = constants
        return cache[dtype]

    def update_step(self, gradient, variable, learning_rate):
        if keras.backend.backend() != "tensorflow" or self.amsgrad:
            return super().update_step(gradient, variable, learning_rate)
        import tensorflow as tf

        index = self._get_variable_index(variable)
        # var -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon), as Keras' Adam
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].handle, v=self._velocities[index].handle,
            grad=ops.cast(gradient, variable.dtype), use_locking=False,
            **self._constants(variable.dtype, learning_rate),
        )


def build_for_training(model: keras.Model, x, y) -> None:
    """Create every variable training needs (model, loss, metrics, optimizer) from one batch's
    shapes, before the first step: the first step is then traced once instead of twice."""
    model._symbolic_build(data_batch=(x, y))


def epoch_backup(backup_dir, interval_minutes: float, on_save=None) -> keras.callbacks.BackupAndRestore:
    """Keras' BackupAndRestore (model, optimizer, epoch) that saves at the end of an epoch once
    `interval_minutes` have passed since the last save (0: every epoch). Each save is written whole
    into a staging folder, `on_save(staging)` adds to it, and the folder is then swapped in
    (`agecascade.resume.swap_in`): a kill or a full disk mid-save leaves the previous backup."""
    from agecascade.resume import swap_in

    class EpochBackup(keras.callbacks.BackupAndRestore):
        def on_train_begin(self, logs=None):
            super().on_train_begin(logs)
            self._saved_at = time.monotonic()

        def on_epoch_end(self, epoch, logs=None):
            self._current_epoch = epoch + 1
            self._last_batch_seen = 0
            if time.monotonic() - self._saved_at >= 60 * interval_minutes:
                self._save_model()

        def _save_model(self):
            folder = Path(self.backup_dir)
            staging = folder.with_name(folder.name + ".partial")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            self.model.save_weights(str(staging / Path(self._weights_path).name))
            metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
            (staging / Path(self._training_metadata_path).name).write_text(json.dumps(metadata))
            if on_save is not None:
                on_save(staging)
            swap_in(staging, folder)
            self._saved_at = time.monotonic()

    return EpochBackup(str(backup_dir), delete_checkpoint=False)
