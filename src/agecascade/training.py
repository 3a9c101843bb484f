"""Training: the streaming input pipeline, augmentation, fit with resume, and cascade stages.

* Input: uint8 faces are read from the HDF5 face store batch by batch (never the whole set in
  memory), shuffled per epoch with a seed, by a `keras.utils.PyDataset` (any Keras backend).
* Augmentation (random rotation, shift, crop, flip) runs inside the train step, on the device
  that trains (`training_model`); the saved model has none of it.
* Fit: Adam (TensorFlow's fused kernel on that backend; `keras_internals`), cross-entropy over the label space (sparse labels: the same loss as categorical
  cross-entropy on one-hot targets, without building them), ReduceLROnPlateau (factor 0.5,
  patience per stage), a per-epoch history CSV.
* Resume: the model, the optimizer (including the learning rate the schedule set) and the
  schedule's own counters are backed up after every epoch in a folder that is not an output of the
  rule, so Snakemake's cleanup of incomplete outputs never deletes it. A job killed at any moment
  and started again continues after its last finished epoch.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import h5py
import keras
import numpy as np
import pandas as pd

from agecascade.config import schema_default
from agecascade.data.store import read_rows

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
    backup_interval_minutes: float = field(default_factory=lambda: schema_default("training", "backup_interval_minutes"))
    precision: str = field(default_factory=lambda: schema_default("training", "precision"))
    jit_compile: str | bool = field(default_factory=lambda: schema_default("training", "jit_compile"))
    require_gpu: bool = field(default_factory=lambda: schema_default("training", "require_gpu"))


# ---------------------------------------------------------------------------------------- input


class FaceBatches(keras.utils.PyDataset):
    """Batches of (uint8 faces, class index) read from a face store, in a seeded per-epoch order.

    A `keras.utils.PyDataset`, so the same pipeline feeds every Keras backend (TensorFlow, JAX,
    PyTorch). The host only reads rows of the HDF5 store; casting and augmentation happen in the
    training model (`training_model`), on the accelerator when there is one. The order of epoch e
    is a permutation seeded with `seed + e`, so a resumed run (`fit` sets `epoch`) sees the same
    batches as an uninterrupted one.

    Args:
        store: the HDF5 face store.
        indices: rows of the store to use.
        classes: the class index of each of those rows.
        batch_size: faces per batch.
        shuffle: reshuffle every epoch (training) or keep the order (evaluation).
        seed: base seed of the shuffling.
        workers: reader threads (Keras' PyDataset workers; 1 reads in the input pipeline's thread).
    """

    def __init__(self, store, indices, classes, batch_size: int, shuffle: bool, seed: int = 0, workers: int = 1):
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=8)
        self.store = str(store)
        self.indices = np.asarray(indices, dtype=np.int64)
        self.classes = np.asarray(classes, dtype=np.int32)
        if len(self.indices) != len(self.classes):
            raise ValueError("indices and classes differ in length")
        if len(self.indices) == 0:
            raise ValueError(f"No faces selected from {self.store}.")
        if len(np.unique(self.indices)) != len(self.indices):
            raise ValueError(f"A face of {self.store} is selected twice.")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self._epoch = 0
        self._order = None
        self._images = None  # the store's images, opened on the first read (in the reading thread)
        with h5py.File(self.store, "r") as handle:
            self.image_shape = tuple(handle["images"].shape[1:])
            if int(self.indices.max()) >= handle["images"].shape[0] or int(self.indices.min()) < 0:
                raise ValueError(f"Rows outside the {handle['images'].shape[0]} faces of {self.store} selected.")

    def __len__(self) -> int:
        return math.ceil(len(self.indices) / self.batch_size)

    @property
    def epoch(self) -> int:
        """The epoch being read (0-based); set it to resume after finished epochs."""
        return self._epoch

    @epoch.setter
    def epoch(self, value: int) -> None:
        self._epoch = int(value)
        self._order = None

    def order(self) -> np.ndarray:
        """Positions of this epoch's faces, in reading order."""
        if self._order is None:
            order = np.arange(len(self.indices))
            if self.shuffle:
                np.random.default_rng(self.seed + self.epoch).shuffle(order)
            self._order = order
        return self._order

    def __getitem__(self, batch: int):
        if not 0 <= batch < len(self):
            raise IndexError(batch)
        if self._images is None:
            self._images = h5py.File(self.store, "r")["images"]
        chosen = self.order()[batch * self.batch_size : (batch + 1) * self.batch_size]
        return read_rows(self._images, self.indices[chosen]), self.classes[chosen]

    def on_epoch_end(self) -> None:
        self.epoch += 1

    def __call__(self):
        """One epoch of batches, then on to the next epoch (for use without Keras)."""
        for batch in range(len(self)):
            yield self[batch]
        self.on_epoch_end()

    def __getstate__(self):
        return {**self.__dict__, "_images": None}


def augmenter(settings: dict, seed: int) -> keras.Sequential:
    """The study's augmentation as Keras preprocessing layers: random rotation (degrees), shift
    and crop (fractions of the side) and horizontal flip, active only in training."""
    steps = []
    if settings.get("rotation"):
        steps.append(keras.layers.RandomRotation(settings["rotation"] / 360.0, fill_mode="reflect", seed=seed,
                                                 dtype="float32"))
    if settings.get("shift"):
        steps.append(keras.layers.RandomTranslation(settings["shift"], settings["shift"], fill_mode="reflect",
                                                    seed=seed + 1, dtype="float32"))
    if settings.get("crop"):
        # a random crop of up to `crop` of the side, scaled back to the input size
        steps.append(keras.layers.RandomZoom((-settings["crop"], 0.0), fill_mode="reflect", seed=seed + 2,
                                             dtype="float32"))
    if settings.get("flip"):
        steps.append(keras.layers.RandomFlip("horizontal", seed=seed + 3, dtype="float32"))
    return keras.Sequential(steps, name="augment")


def training_model(model: keras.Model, augment: dict | None = None, seed: int = 0) -> keras.Model:
    """The model `fit` trains: uint8 faces -> float32 -> augmentation (training only) -> `model`.

    Augmentation runs inside the train step, batched, on the device that trains (the host only
    reads faces), and is inactive outside training (`training=False`: evaluation, prediction).
    `model` itself is what gets saved: its file has no augmentation layers and predicts as before.
    """
    inputs = keras.Input(shape=model.input_shape[1:], dtype="uint8", name="faces_uint8")
    x = keras.ops.cast(inputs, "float32")
    if augment:
        # float32 whatever the precision policy: the model's first layer casts to its compute dtype
        x = augmenter(augment, seed)(x)
    return keras.Model(inputs, model(x), name=f"training_{model.name}")


# ---------------------------------------------------------------------------------------- labels


def read_label_space(path) -> dict:
    """The label space of a dataset as the `splits` rule wrote it: kind, values, names.

    One label space per dataset, fixed for all its folds and variants (thesis: "91, 63, 8 or 3
    output neurons"): a fold whose training faces lack some ages keeps those classes.
    """
    space = json.loads(Path(path).read_text())
    return {"values": space["values"], "names": space["names"], "kind": space["kind"]}


def to_classes(labels, values) -> np.ndarray:
    """Class index of each label: its position in `values`.

    Raises:
        ValueError: a label is not in the label space (it would silently become another class).
    """
    labels = np.asarray(labels, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    distance = np.abs(labels[:, None] - values[None, :])
    outside = sorted(set(labels[distance.min(axis=1) > 1e-9].tolist()))
    if outside:
        raise ValueError(f"Labels {outside[:10]} are not in the label space ({len(values)} classes, "
                         f"{values.min():g}-{values.max():g}); the splits are older than the data: rerun them.")
    return distance.argmin(axis=1).astype(np.int32)


# ---------------------------------------------------------------------------------------- fit


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


def fit(model, train: FaceBatches, val: FaceBatches | None, settings: FitSettings, backup_dir: Path,
        history_path: Path, extra_callbacks=()):
    """Train `model` (in place) on `train`, resuming from `backup_dir` if an earlier run was
    interrupted. Augmentation runs in the training model around it (`training_model`).

    Returns:
        The history as a DataFrame (one row per epoch, all epochs of all runs).
    """
    from agecascade.keras_internals import Adam, build_for_training, epoch_backup

    backup_dir = Path(backup_dir)
    metadata = backup_dir / "checkpoint" / "training_metadata.json"
    resuming = metadata.is_file()
    if not resuming and backup_dir.exists():
        shutil.rmtree(backup_dir)  # leftovers of a run that never finished an epoch
    backup_dir.mkdir(parents=True, exist_ok=True)
    running_history = backup_dir / "history.csv"
    trainer = training_model(model, settings.augment, settings.seed)
    trainer.compile(
        jit_compile=settings.jit_compile,
        optimizer=Adam(settings.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    build_for_training(trainer, *train[0])
    plateau = None
    if settings.patience:
        # without a validation set (benchmark folds train on every non-test face) the schedule
        # follows the training loss
        monitor = "val_loss" if val is not None else "loss"
        plateau = _plateau_callback(settings.patience, backup_dir, monitor)
    callbacks = [
        *([plateau] if plateau else []),
        # after the schedule, so a backup holds the learning rate it just set
        epoch_backup(backup_dir / "checkpoint", settings.backup_interval_minutes,
                     plateau.save_state if plateau else None),
        keras.callbacks.CSVLogger(str(running_history), append=resuming),
        _epoch_log(settings.epochs, len(train.indices)),
        *extra_callbacks,
    ]
    if resuming:
        train.epoch = int(json.loads(metadata.read_text())["epoch"])  # the resumed epochs' shuffles
        log.info("Resuming from %s after epoch %d", backup_dir, train.epoch)
    trainer.fit(
        train,
        validation_data=val,
        epochs=settings.epochs,
        callbacks=callbacks,
        shuffle=False,  # FaceBatches shuffles, seeded, per epoch
        verbose=2,
    )
    history = pd.read_csv(running_history).drop_duplicates("epoch", keep="last")
    history_path = Path(history_path)
    history_path.parent.mkdir(parents=True, exist_ok=True)
    history.to_csv(history_path, index=False)
    return history


def finish(backup_dir: Path) -> None:
    """Remove the resume backup once the outputs are written."""
    shutil.rmtree(backup_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------- stages


PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
GPU_VARIABLES = ("SLURM_JOB_GPUS", "SLURM_STEP_GPUS", "SLURM_GPUS_ON_NODE", "SLURM_GPUS")


class DeviceError(RuntimeError):
    """A job that was granted a GPU but cannot use one."""


def setup_device(settings: FitSettings | None, threads: int | None) -> dict:
    """Threads, precision and the device check of a training job; logs what it runs on.

    Under SLURM a job granted a GPU (`SLURM_JOB_GPUS`, ...) that the Keras backend cannot see stops
    here (unless `settings.require_gpu` is false) instead of training for days on the CPU. Without
    settings (feature extraction, Grad-CAM) it only sets the threads and logs the devices.

    Returns:
        What the job runs on: backend, devices, precision.
    """
    import os

    use_threads(threads)
    if settings is None:
        settings = FitSettings(learning_rate=0.0, batch_size=1, epochs=0, require_gpu=False)
    if settings.precision not in PRECISIONS:
        raise ValueError(f"training.precision must be one of {PRECISIONS}. Received: {settings.precision!r}")
    keras.mixed_precision.set_global_policy(settings.precision)
    # Keras wraps every layer call in a traceback filter; tracing SENet50's train step makes tens of
    # thousands of such calls (~1 s of a job's start-up). A batch job's log gets the full traceback.
    keras.config.disable_traceback_filtering()
    gpus, cuda_build = accelerators()
    report = {"backend": keras.backend.backend(), "gpus": gpus or ["none: CPU only"],
              "precision": settings.precision, "jit_compile": settings.jit_compile,
              "threads": threads, "cuda_build": cuda_build}
    log.info("devices: %s", report)
    granted = {v: os.environ[v] for v in GPU_VARIABLES if os.environ.get(v)}
    if granted and not gpus and settings.require_gpu:
        raise DeviceError(
            f"SLURM granted this job a GPU ({', '.join(f'{k}={v}' for k, v in granted.items())}) but "
            f"{report['backend']} sees none. Check: is the CUDA build installed (tensorflow[and-cuda], `make GPU=1`; "
            f"this one is {'a CUDA' if cuda_build else 'a CPU-only'} build)? Does `nvidia-smi` on the node "
            "list the GPU? To train on the CPU anyway, set training.require_gpu: false."
        )
    return report


def accelerators() -> tuple[list[str], bool]:
    """The GPUs the Keras backend sees (names) and whether the backend is a CUDA build."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform != "cpu"]
        return [getattr(d, "device_kind", str(d)) for d in gpus], bool(gpus) or jax.default_backend() != "cpu"
    if backend == "torch":
        import torch

        count = torch.cuda.device_count()
        return [torch.cuda.get_device_name(i) for i in range(count)], torch.version.cuda is not None
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return ([tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus],
            tf.test.is_built_with_cuda())


def use_threads(threads: int | None) -> None:
    """Limit the backend to the rule's threads (call before any backend work in the process).

    On TensorFlow also turns off Grappler's constant folding, which spends seconds on every large
    training graph and folds nothing in it (the weights are variables; see `benchmarks/startup.py`).
    """
    if keras.backend.backend() != "tensorflow":
        if threads and keras.backend.backend() == "torch":
            import torch

            torch.set_num_threads(threads)
        return  # JAX: XLA's CPU thread pool is fixed at start (XLA_FLAGS); SLURM's CPU binding limits it
    import tensorflow as tf

    tf.config.optimizer.set_experimental_options({"constant_folding": False})
    if not threads:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(max(1, min(threads, 2)))
    except RuntimeError:  # TensorFlow already initialised in this process: keep its pools
        log.warning("TensorFlow already initialised; cannot limit it to %d threads", threads)


def load_age_model(path):
    """Load a saved age model (registers agecascade's layers and optimizer first)."""
    import agecascade.keras_internals  # noqa: F401  (registers the optimizer)
    import agecascade.models  # noqa: F401  (registers FacePreprocess and LabelSpace)

    return keras.saving.load_model(path)


def initial_model(backbone: str, start: str | Path | None, values, names=None, kind="age", info=None,
                  frozen=False, image_size=224, seed=42):
    """The model a training run starts from, with a new output layer for `values`.

    Args:
        backbone: vgg16, resnet50 or senet50.
        start: what the model starts from: a `.keras` age model of the previous cascade stage (every layer but its output
            layer is kept: `agecascade.models.transfer`), a keras-vggface weight file (`.h5`; a
            new head is built on the face backbone), or None for random initialisation (demo).
        frozen: mode a (head only; the face backbone is not trained). Only with a face backbone.

    Layers take the precision policy `setup_device` set (call it first).
    """
    from agecascade.models import build_age_model, build_backbone, load_vggface_weights, transfer

    keras.utils.set_random_seed(seed)
    if start is not None and str(start).endswith(".keras"):
        if frozen:
            raise ValueError(f"Mode a (frozen) starts from the face backbone, not from an age model. Received: {start}")
        return transfer(load_age_model(start), values, names, kind, info, seed=seed)
    base = build_backbone(backbone, (image_size, image_size, 3))
    if start is not None:
        load_vggface_weights(base, start)
    return build_age_model(base, values, names, kind, info, frozen, seed=seed)


def with_grid_choice(settings: FitSettings, gridsearch_csv=None) -> FitSettings:
    """The settings with the learning rate and batch size the grid search chose (its best row:
    lowest validation loss, mean over the searched folds; diverged runs are never chosen)."""
    if gridsearch_csv is None:
        return settings
    table = pd.read_csv(gridsearch_csv).dropna(subset=["val_loss"])
    if table.empty:
        raise ValueError(f"Every grid point of {gridsearch_csv} diverged (validation loss NaN): nothing to choose.")
    best = table.sort_values("val_loss").iloc[0]
    log.info("Grid search chose learning rate %s, batch size %s", best["learning_rate"], best["batch_size"])
    return FitSettings(**{**asdict(settings), "learning_rate": float(best["learning_rate"]),
                          "batch_size": int(best["batch_size"])})


def model_info(backbone: str, chain: str, image_size: int, margin: float, settings: FitSettings, **extra) -> dict:
    """What an age model records about its training (`LabelSpace.info`): `predict` crops faces
    with the same margin and size."""
    return {"backbone": backbone, "chain": chain, "image_size": int(image_size), "margin": float(margin),
            "settings": asdict(settings), **extra}


def train_stage(backbone: str, chain: str, store, split_csv, labels, start, settings: FitSettings | dict,
                model_path, history_path, backup_dir, image_size: int, margin: float, gridsearch=None,
                threads: int | None = None) -> dict:
    """Train one cascade stage (chain `imdb` or `imdb-agedb`) on its dataset's 80/20 split.

    Args:
        backbone: vgg16, resnet50 or senet50.
        chain: the stage's chain; its last link is the dataset trained on.
        store, split_csv: the dataset's face store and train/val split.
        labels: the dataset's label space (`results/splits/<dataset>.labels.json`).
        start: the previous stage's model, the face weights, or None (see `initial_model`).
        settings: hyper-parameters (`FitSettings` or its fields).
        model_path, history_path: outputs.
        backup_dir: resume state (not an output: it must survive Snakemake's cleanup).
        image_size, margin: input side in pixels and the crop margin of the faces (recorded).
        gridsearch: optional grid-search table whose best row overrides learning rate and batch.
        threads: CPU threads TensorFlow may use (the rule's threads).

    Returns:
        A summary: epochs trained, final validation loss, label space size.
    """
    if isinstance(settings, dict):
        settings = FitSettings(**settings)
    setup_device(settings, threads)
    settings = with_grid_choice(settings, gridsearch)
    split = pd.read_csv(split_csv)
    train_rows, val_rows = split[split["split"] == "train"], split[split["split"] == "val"]
    space = read_label_space(labels)
    info = model_info(backbone, chain, image_size, margin, settings, dataset=chain.split("-")[-1],
                      start=str(start) if start else "random initialisation")
    model = initial_model(backbone, start, **space, info=info, frozen=settings.frozen,
                          image_size=image_size, seed=settings.seed)
    train = FaceBatches(store, train_rows["index"], to_classes(train_rows["label"], space["values"]),
                        settings.batch_size, shuffle=True, seed=settings.seed)
    val = FaceBatches(store, val_rows["index"], to_classes(val_rows["label"], space["values"]),
                      settings.batch_size, shuffle=False)
    history = fit(model, train, val, settings, Path(backup_dir), Path(history_path))
    Path(model_path).parent.mkdir(parents=True, exist_ok=True)
    model.save(model_path)
    finish(Path(backup_dir))
    return {"epochs": int(len(history)), "val_loss": float(history["val_loss"].iloc[-1]),
            "classes": int(len(space["values"]))}
