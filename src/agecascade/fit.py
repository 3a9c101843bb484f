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
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from agecascade.config import schema_default
from agecascade.input_pipeline import FaceBatches, training_model

log = logging.getLogger(__name__)

# "halving the learning rate after 5 epochs without improvement in terms of validation loss"
LR_FACTOR = 0.5


@dataclass
class FitSettings:
    """Hyper-parameters of one training run (one cascade stage or one fold).

    Attributes:
        learning_rate: Adam's initial learning rate.
        batch_size: faces per batch.
        epochs: epochs to train.
        patience: epochs without validation-loss improvement before the learning rate is halved;
            None for no schedule.
        frozen: mode a: train only the head; the backbone stays as it is.
        augment: random rotation (degrees), shift and crop (fractions) and horizontal flip.
        seed: seed of initialisation, shuffling and augmentation.
        backup_interval_minutes: back up for resuming at the end of an epoch once this many
            minutes passed since the last backup (0: after every epoch).
        precision: "float32", "mixed_float16" or "mixed_bfloat16" (Keras' mixed precision; the
            output layer stays float32).
        jit_compile: "auto" (Keras decides), True or False (XLA compilation of the train step).
        require_gpu: stop at once when the job was granted a GPU by SLURM but TensorFlow sees
            none (see `setup_device`).
    """

    learning_rate: float
    batch_size: int
    epochs: int
    patience: int | None = None
    frozen: bool = False
    augment: dict = field(default_factory=lambda: schema_default("training", "augment"))
    seed: int = field(default_factory=lambda: schema_default("seed"))
    backup_interval_minutes: float = field(
        default_factory=lambda: schema_default("training", "backup_interval_minutes"))
    precision: str = field(default_factory=lambda: schema_default("training", "precision"))
    jit_compile: str | bool = field(default_factory=lambda: schema_default("training", "jit_compile"))
    require_gpu: bool = field(default_factory=lambda: schema_default("training", "require_gpu"))


def _plateau_callback(patience: int, backup_dir: Path, monitor: str = "val_loss"):
    class ResumableReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau):
        """ReduceLROnPlateau whose counters are saved with every backup and restored on resume."""

        state_path = backup_dir / "plateau.json"

        def on_train_begin(self, logs=None):
            super().on_train_begin(logs)
            if self.state_path.is_file():
                state = json.loads(self.state_path.read_text())
                self.best, self.wait, self.cooldown_counter = state["best"], state["wait"], state["cooldown"]

        def save_state(self):
            self.state_path.write_text(json.dumps(
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



def _compiled_trainer(model, train: FaceBatches, settings: FitSettings):
    """The training model around `model`, compiled and built (one trace of the train step)."""
    from agecascade.keras_internals import Adam, build_for_training

    trainer = training_model(model, settings.augment, settings.seed)
    trainer.compile(
        jit_compile=settings.jit_compile,
        optimizer=Adam(settings.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    build_for_training(trainer, *train[0])
    return trainer


def _callbacks(settings: FitSettings, backup_dir: Path, has_validation: bool, resuming: bool, faces: int) -> list:
    """The schedule, the backup (after the schedule, so a backup holds the learning rate it just
    set), the running history and the epoch log."""
    from agecascade.keras_internals import epoch_backup

    plateau = None
    if settings.patience:
        # without a validation set (benchmark folds train on every non-test face) the schedule
        # follows the training loss
        plateau = _plateau_callback(settings.patience, backup_dir, "val_loss" if has_validation else "loss")
    return [
        *([plateau] if plateau else []),
        epoch_backup(backup_dir / "checkpoint", settings.backup_interval_minutes,
                     plateau.save_state if plateau else None),
        keras.callbacks.CSVLogger(str(backup_dir / "history.csv"), append=resuming),
        _epoch_log(settings.epochs, faces),
    ]


def fit(model, train: FaceBatches, val: FaceBatches | None, settings: FitSettings, backup_dir: Path,
        history_path: Path, extra_callbacks=()) -> pd.DataFrame:
    """Train `model` (in place) on `train`, resuming from `backup_dir` if an earlier run was
    interrupted. Augmentation runs in the training model around it (`training_model`).

    Returns:
        The history as a DataFrame (one row per epoch, all epochs of all runs).
    """
    backup_dir = Path(backup_dir)
    metadata = backup_dir / "checkpoint" / "training_metadata.json"
    resuming = metadata.is_file()
    if not resuming and backup_dir.exists():
        shutil.rmtree(backup_dir)  # leftovers of a run that never finished an epoch
    backup_dir.mkdir(parents=True, exist_ok=True)
    trainer = _compiled_trainer(model, train, settings)
    callbacks = _callbacks(settings, backup_dir, val is not None, resuming, len(train.indices))
    if resuming:
        train.epoch = int(json.loads(metadata.read_text())["epoch"])  # the resumed epochs' shuffles
        log.info("Resuming from %s after epoch %d", backup_dir, train.epoch)
    trainer.fit(train, validation_data=val, epochs=settings.epochs, callbacks=[*callbacks, *extra_callbacks],
                shuffle=False, verbose=2)  # FaceBatches shuffles, seeded, per epoch
    history = pd.read_csv(backup_dir / "history.csv").drop_duplicates("epoch", keep="last")
    history_path = Path(history_path)
    history_path.parent.mkdir(parents=True, exist_ok=True)
    history.to_csv(history_path, index=False)
    return history


def finish(backup_dir: Path) -> None:
    """Remove the resume backup once the outputs are written."""
    shutil.rmtree(backup_dir, ignore_errors=True)

