"""The training input pipeline: faces from the HDF5 store in a seeded per-epoch order, class
indices from the label space, and augmentation inside the train step.

* Input: uint8 faces are read from the HDF5 face store batch by batch (never the whole set in
  memory), shuffled per epoch with a seed, by a `keras.utils.PyDataset` (any Keras backend).
* Augmentation (random rotation, shift, crop, flip) runs inside the train step, on the device
  that trains (`training_model`); the saved model has none of it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import h5py
import keras
import numpy as np

from agecascade.data.store import read_rows


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


BENCHMARK_CROP_AREA = (0.8, 1.0)  # the unified benchmark's random crops: 80-100 % of the stored area


class ExtendedCrop(keras.layers.Layer):
    """From a stored face larger than the model's input (the `aligned_bbox` store keeps the input
    size x 1.1) to the input: in training a random square crop of 80-100 % of the stored area at a
    random place, resized to the input (bilinear), one per face; otherwise the central crop (the
    unified benchmark's training and test crops)."""

    def __init__(self, size: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        stored = images.shape[1]
        if not training:
            start = (stored - self.size) // 2
            return images[:, start:start + self.size, start:start + self.size, :]
        batch = keras.ops.shape(images)[0]
        low, high = BENCHMARK_CROP_AREA
        area = keras.random.uniform((batch,), low, high, seed=self.generator)
        side = keras.ops.sqrt(area) * stored  # the crop's side in stored pixels
        room = keras.random.uniform((batch, 2), 0.0, 1.0, seed=self.generator) * keras.ops.expand_dims(
            stored - side, -1)
        scale = side / self.size  # output pixel x samples stored pixel left + x * scale
        zero = keras.ops.zeros_like(scale)
        transform = keras.ops.stack([scale, zero, room[:, 0], zero, scale, room[:, 1], zero, zero], axis=1)
        warped = keras.ops.image.affine_transform(images, transform, interpolation="bilinear", fill_mode="constant")
        return warped[:, :self.size, :self.size, :]

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def training_model(model: keras.Model, augment: dict | None = None, seed: int = 0,
                   stored: int | None = None) -> keras.Model:
    """The model `fit` trains: uint8 faces -> float32 -> augmentation (training only) -> `model`.

    Augmentation runs inside the train step, batched, on the device that trains (the host only
    reads faces), and is inactive outside training (`training=False`: evaluation, prediction).
    `model` itself is what gets saved: its file has no augmentation layers and predicts as before.
    A store of faces larger than the model's input (`stored` pixels: the `aligned_bbox` crop)
    goes through `ExtendedCrop` first, which replaces the augmentation's own `crop`.
    """
    size = model.input_shape[1]
    stored = stored or size
    inputs = keras.Input(shape=(stored, stored, model.input_shape[3]), dtype="uint8", name="faces_uint8")
    x = keras.ops.cast(inputs, "float32")
    if stored != size:
        x = ExtendedCrop(size, seed, name="extended_crop")(x)
        augment = {**(augment or {}), "crop": 0}
    if augment and any(augment.values()):
        # float32 whatever the precision policy: the model's first layer casts to its compute dtype
        x = augmenter(augment, seed)(x)
    return keras.Model(inputs, model(x), name=f"training_{model.name}")


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


def face_batches(store, rows, values, batch_size: int, shuffle: bool, seed: int = 0) -> FaceBatches:
    """Batches of the faces `rows` (a split table's rows: `index`, `label`) with their class index
    in the label space `values`."""
    return FaceBatches(store, rows["index"], to_classes(rows["label"], values), batch_size, shuffle=shuffle, seed=seed)
