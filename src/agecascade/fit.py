"""Fit with resume: Adam, cross-entropy over the label space, the plateau schedule, a per-epoch
history CSV and a log line per epoch.

* Fit: Adam (TensorFlow's fused kernel on that backend; `keras_internals`), cross-entropy over the
  label space (sparse labels: the same loss as categorical cross-entropy on one-hot targets,
  without building them), ReduceLROnPlateau (factor 0.5, patience per stage).
* Resume: the model, the optimizer (including the learning rate the schedule set) and the
  schedule's own counters are backed up at the end of an epoch in a folder that is not an output of
  the rule, so Snakemake's cleanup of incomplete outputs never deletes it. A job killed at any
  moment and started again continues after its last finished epoch.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from agecascade.fit_settings import KEEP_BEST_MEDIAN, KEEP_MONITORS, FitSettings, improves  # noqa: F401
from agecascade.input_pipeline import FaceBatches, training_model
from agecascade.resume import CHECKPOINT, open_backup

log = logging.getLogger(__name__)

# "halving the learning rate after 5 epochs without improvement in terms of validation loss"
LR_FACTOR = 0.5


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite: the run stops, writing no model or predictions."""


def _plateau_callback(patience: int, backup_dir: Path, monitor: str = "val_loss"):
    class ResumableReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau):
        """ReduceLROnPlateau whose counters are saved with every backup and restored on resume."""

        state_path = backup_dir / CHECKPOINT / "plateau.json"

        def on_train_begin(self, logs=None):
            super().on_train_begin(logs)
            if self.state_path.is_file():
                state = json.loads(self.state_path.read_text())
                self.best, self.wait, self.cooldown_counter = state["best"], state["wait"], state["cooldown"]

        def save_state(self, folder: Path):
            """Write the counters into the backup being saved (it is swapped in whole)."""
            (folder / "plateau.json").write_text(json.dumps(
                {"best": float(self.best), "wait": self.wait, "cooldown": self.cooldown_counter}))

    return ResumableReduceLROnPlateau(monitor=monitor, factor=LR_FACTOR, patience=patience, verbose=1)


def _epoch_log(epochs: int, faces: int):
    from agecascade.logs import _duration

    class EpochLog(keras.callbacks.Callback):
        """One log line per epoch: losses, learning rate, faces/s and the job's ETA."""

        def on_train_begin(self, logs=None):
            self.durations = []

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.monotonic()

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.monotonic() - self.started
            self.durations.append(seconds)
            logs = logs or {}
            values = ", ".join(f"{k} {float(v):.4g}" for k, v in logs.items() if k != "learning_rate")
            rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
            eta = _duration((epochs - epoch - 1) * float(np.mean(self.durations)))
            log.info("epoch %d/%d: %s, learning rate %.3g, %.1f faces/s, job ETA %s", epoch + 1, epochs, values,
                     rate, faces / max(seconds, 1e-9), eta)

    return EpochLog()



class _AgeMAE(keras.metrics.Mean):
    """Mean absolute error of a decision rule's value against the true class's value; `values`
    are the label space's (ages, or group indices). Each subclass is one rule: its
    `decide(probabilities, values)`."""

    def __init__(self, values, name, **kwargs):
        super().__init__(name=name, **kwargs)
        self.values = [float(v) for v in values]

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = keras.ops.convert_to_tensor(self.values, dtype="float32")
        truth = keras.ops.take(values, keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32"))
        decided = self.decide(keras.ops.cast(y_pred, "float32"), values)
        return super().update_state(keras.ops.abs(decided - truth), sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "values": self.values}


class ExpectedAgeMAE(_AgeMAE):
    """MAE of the expected value sum_i p_i * value_i (the study's prediction rule)."""

    def __init__(self, values, name="mae", **kwargs):
        super().__init__(values, name=name, **kwargs)

    def decide(self, probabilities, values):
        return keras.ops.sum(probabilities * values, axis=-1)


class MedianAgeMAE(_AgeMAE):
    """MAE of the posterior median (the smallest value whose cumulative probability reaches one
    half; `agecascade.decision.median`): the unified benchmark's decision, watched by
    `training.keep: best_val_median_mae`."""

    def __init__(self, values, name="median_mae", **kwargs):
        super().__init__(values, name=name, **kwargs)

    def decide(self, probabilities, values):
        cumulative = keras.ops.cumsum(probabilities, axis=-1)
        return keras.ops.take(values, keras.ops.argmax(keras.ops.cast(cumulative >= 0.5 - 1e-6, "int32"), axis=-1))


def _stop_on_divergence(name: str):
    class StopOnDivergence(keras.callbacks.Callback):
        """Stops at the first batch whose loss is not finite, naming the job, epoch and learning rate
        (Keras' TerminateOnNaN would end the fit quietly and let the job write a NaN model)."""

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            loss = float((logs or {}).get("loss", 0.0))
            if not math.isfinite(loss):
                rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
                raise TrainingDiverged(f"{name}: the training loss is {loss} in epoch {self.epoch + 1} (batch "
                                       f"{batch + 1}) at learning rate {rate:g}: the training diverged; nothing "
                                       "was written. Lower the learning rate.")

    return StopOnDivergence()


def _keep_best_callback(model, backup_dir: Path, keep: str):
    monitor, later_wins = KEEP_MONITORS[keep]

    class KeepBest(keras.callbacks.Callback):
        """Writes the age model's weights at the epoch with the lowest `monitor` (`improves`: a
        later equal epoch wins where `later_wins`) beside the backup (write, then rename), with
        the value, so a resumed run still compares against it."""

        weights_path = backup_dir / "best.weights.h5"
        state_path = backup_dir / "best.json"

        def on_train_begin(self, logs=None):
            state = json.loads(self.state_path.read_text()) if self.state_path.is_file() else {}
            self.best = state.get("value", np.inf)

        def on_epoch_end(self, epoch, logs=None):
            value = float((logs or {}).get(monitor, np.nan))
            if improves(value, self.best, later_wins):
                self.best = value
                partial = self.weights_path.with_name("best.partial.weights.h5")
                model.save_weights(partial)  # the age model, not the training model around it
                partial.replace(self.weights_path)
                self.state_path.write_text(json.dumps({"value": value, "epoch": epoch}))

    return KeepBest()


def _compiled_trainer(model, train: FaceBatches, settings: FitSettings):
    """The training model around `model`, compiled and built (one trace of the train step)."""
    from agecascade.keras_internals import Adam, build_for_training
    from agecascade.models.head import label_space_of

    trainer = training_model(model, settings.augment, settings.seed, stored=train.image_shape[0])
    values = label_space_of(model).values
    median = [MedianAgeMAE(values)] if settings.keep == KEEP_BEST_MEDIAN else []
    trainer.compile(
        jit_compile=settings.jit_compile,
        optimizer=Adam(settings.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy"), ExpectedAgeMAE(values), *median],
    )
    build_for_training(trainer, *train[0])
    return trainer


def _callbacks(model, settings: FitSettings, backup_dir: Path, has_validation: bool, resuming: bool,
               faces: int) -> list:
    """The schedule, the backup (after the schedule, so a backup holds the learning rate it just
    set), the running history and the epoch log."""
    from agecascade.keras_internals import epoch_backup

    if settings.monitor.startswith("val_") and settings.patience and not has_validation:
        raise ValueError(f"The schedule watches {settings.monitor} but this training has no validation set "
                         "(benchmark folds: fold_training.schedule_monitor: loss).")
    if settings.keep in KEEP_MONITORS and not has_validation:
        raise ValueError(f"training.keep: {settings.keep} needs a validation set; this training has none.")
    plateau = _plateau_callback(settings.patience, backup_dir, settings.monitor) if settings.patience else None
    keep_best = [_keep_best_callback(model, backup_dir, settings.keep)] if settings.keep in KEEP_MONITORS else []
    return [
        *([plateau] if plateau else []),
        *keep_best,
        epoch_backup(backup_dir / CHECKPOINT, settings.backup_interval_minutes,
                     plateau.save_state if plateau else None),
        keras.callbacks.CSVLogger(str(backup_dir / "history.csv"), append=resuming),
        _epoch_log(settings.epochs, faces),
    ]


def fit(model, train: FaceBatches, val: FaceBatches | None, settings: FitSettings, backup_dir: Path,
        history_path: Path, extra_callbacks=(), identity: dict | None = None) -> pd.DataFrame:
    """Train `model` (in place) on `train`, resuming from `backup_dir` if an earlier run of the
    same job was interrupted. Augmentation runs in the training model around it (`training_model`).

    Args:
        identity: what the job is: `job` (its name in messages) and whatever else must match for
            a backup to be resumed (input fingerprints: `agecascade.resume`); the settings always
            are part of it.

    Raises:
        TrainingDiverged: the loss became NaN or infinite; the resume backup is removed (it holds
            the diverged state).

    Returns:
        The history as a DataFrame (one row per epoch, all epochs of all runs).
    """
    backup_dir = Path(backup_dir)
    identity = {"job": "training", **(identity or {}), "settings": asdict(settings)}
    resuming = open_backup(backup_dir, identity)
    metadata = backup_dir / CHECKPOINT / "training_metadata.json"
    trainer = _compiled_trainer(model, train, settings)
    callbacks = _callbacks(model, settings, backup_dir, val is not None, resuming, len(train.indices))
    if resuming:
        train.epoch = int(json.loads(metadata.read_text())["epoch"])  # the resumed epochs' shuffles
        log.info("Resuming from %s after epoch %d", backup_dir, train.epoch)
    try:
        trainer.fit(train, validation_data=val, epochs=settings.epochs, shuffle=False,  # FaceBatches shuffles
                    verbose=2, callbacks=[_stop_on_divergence(identity["job"]), *callbacks, *extra_callbacks])
    except TrainingDiverged:
        finish(backup_dir)  # never resume a diverged state
        raise
    if settings.keep in KEEP_MONITORS:
        model.load_weights(backup_dir / "best.weights.h5")  # the epoch with the lowest validation MAE
        epoch, value = _best_epoch(backup_dir)
        log.info("Kept epoch %d (%s %.4g)", epoch, KEEP_MONITORS[settings.keep][0], value)
    history = pd.read_csv(backup_dir / "history.csv").drop_duplicates("epoch", keep="last")
    history_path = Path(history_path)
    history_path.parent.mkdir(parents=True, exist_ok=True)
    history.to_csv(history_path, index=False)
    return history


def _best_epoch(backup_dir: Path) -> tuple[int, float]:
    state = json.loads((backup_dir / "best.json").read_text())
    return int(state["epoch"]) + 1, float(state["value"])


def finish(backup_dir: Path) -> None:
    """Remove the resume backup once the outputs are written."""
    shutil.rmtree(backup_dir, ignore_errors=True)

