"""Is the GPU (here: the CPU) or the host the bottleneck of training? Prints measured ratios.

1. Host pipeline alone: `FaceBatches` (seeded shuffled reads of uint8 faces from the HDF5 store)
   in faces/s on one core, against a bare h5py read of the same rows in the same order, and the
   same through Keras' input adapter (what `fit` iterates). Augmentation is in the model, so the
   host does nothing else. Issue 14's targets: >= 1,000 faces/s per core, >= 0.9 x the bare read.
2. Training: `agecascade.training.fit` (store -> PyDataset -> augmentation in the train step ->
   fit) against bare `fit` of the same training model (same augmentation) on the same faces held
   in memory (on the device, where there is one), same run. Steady-state images/s from batch
   timestamps, the first epoch (tracing/compilation) excluded. Target: >= 0.95.

Runs on any Keras backend (KERAS_BACKEND=jax on a machine without TensorFlow).

Usage: python benchmarks/training_throughput.py [--image-size 32 224] [--backbone vgg16]
           [--precision float32] [--n 256|96] [--batch-size 16] [--epochs 4] [--read-n 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def make_store(path: Path, n: int, size: int) -> None:
    from agecascade.data.store import FaceStoreWriter

    rng = np.random.default_rng(0)
    with FaceStoreWriter(path, size) as writer:
        for _ in range(n):
            writer.append(rng.integers(0, 256, size=(size, size, 3), dtype=np.uint8))


class BatchTimer:
    """Steady-state images/s: batch-end timestamps inside epochs after the first (tracing), so
    per-epoch work (validation, the resume backup) is excluded for both runs alike."""

    def __init__(self, batch_size: int):
        import keras

        class Timer(keras.callbacks.Callback):
            def on_epoch_begin(inner, epoch, logs=None):
                self.stamps.append([])

            def on_train_batch_end(inner, batch, logs=None):
                self.stamps[-1].append(time.perf_counter())

        self.batch_size = batch_size
        self.stamps: list[list[float]] = []
        self.callback = Timer()

    def images_per_second(self) -> float:
        rates = [(len(s) - 1) * self.batch_size / (s[-1] - s[0]) for s in self.stamps[1:] if len(s) > 2]
        return float(np.median(rates))


def host_pipeline(store: Path, n: int, batch_size: int) -> dict:
    """Faces/s of one epoch of shuffled reads: bare h5py, FaceBatches, and through Keras' adapter."""
    import h5py
    from keras.src.trainers.data_adapters import get_data_adapter

    from agecascade.input_pipeline import FaceBatches

    classes = np.zeros(n, dtype=np.int32)

    def timed(run) -> float:
        run()  # warm the page cache and the code paths
        start = time.perf_counter()
        run()
        return n / (time.perf_counter() - start)

    def bare():  # the same rows in the same order, one h5py read each, into one batch array
        order = FaceBatches(store, np.arange(n), classes, batch_size, shuffle=True, seed=0).order()
        with h5py.File(store, "r") as handle:
            images = handle["images"]
            for start in range(0, n, batch_size):
                rows = order[start : start + batch_size]
                batch = np.empty((len(rows), *images.shape[1:]), dtype=np.uint8)
                for position, row in enumerate(rows.tolist()):
                    batch[position] = images[row]

    def ours():
        batches = FaceBatches(store, np.arange(n), classes, batch_size, shuffle=True, seed=0)
        for batch in range(len(batches)):
            batches[batch]

    def through_keras():
        adapter = get_data_adapter(FaceBatches(store, np.arange(n), classes, batch_size, shuffle=True, seed=0),
                                   shuffle=False)
        import keras

        iterator = adapter.get_tf_dataset() if keras.backend.backend() == "tensorflow" else adapter.get_numpy_iterator()
        for _ in iterator:
            pass

    rates = {"bare_h5py": timed(bare), "face_batches": timed(ours), "keras_adapter": timed(through_keras)}
    return {
        "host_faces_per_s_bare_read": round(rates["bare_h5py"], 1),
        "host_faces_per_s_pipeline": round(rates["face_batches"], 1),
        "host_faces_per_s_through_keras": round(rates["keras_adapter"], 1),
        "host_ratio_to_bare_read": round(rates["face_batches"] / rates["bare_h5py"], 3),
        "host_ratio_through_keras": round(rates["keras_adapter"] / rates["bare_h5py"], 3),
    }


def training(tmp: Path, args, size: int) -> dict:
    import h5py
    import keras

    from agecascade.keras_internals import Adam
    from agecascade.device import setup_device
    from agecascade.fit import FitSettings, fit
    from agecascade.input_pipeline import FaceBatches, training_model
    from agecascade.start_models import initial_model

    store = tmp / f"train{size}.h5"
    make_store(store, args.n, size)
    classes = np.arange(args.n) % 10
    settings = FitSettings(learning_rate=1e-4, batch_size=args.batch_size, epochs=args.epochs,
                           precision=args.precision, require_gpu=False)
    device = setup_device(settings, None)

    model = initial_model(args.backbone, None, np.arange(10), image_size=size, seed=0)
    timer = BatchTimer(args.batch_size)
    batches = FaceBatches(store, np.arange(args.n), classes, args.batch_size, shuffle=True)
    backup = tmp / "backup"
    fit(model, batches, None, settings, backup, tmp / "h.csv", extra_callbacks=[timer.callback])
    shutil.rmtree(backup, ignore_errors=True)
    ours = timer.images_per_second()

    with h5py.File(store) as handle:
        faces = handle["images"][:]
    faces, labels = keras.ops.convert_to_tensor(faces), keras.ops.convert_to_tensor(classes)  # on the device
    model = initial_model(args.backbone, None, np.arange(10), image_size=size, seed=0)
    trainer = training_model(model, settings.augment, settings.seed)
    trainer.compile(optimizer=Adam(1e-4), loss=keras.losses.SparseCategoricalCrossentropy(),
                    jit_compile=settings.jit_compile)
    timer = BatchTimer(args.batch_size)
    trainer.fit(faces, labels, batch_size=args.batch_size, epochs=args.epochs, verbose=0, shuffle=False,
                callbacks=[timer.callback])
    bare = timer.images_per_second()
    return {"backend": device["backend"], "devices": device["gpus"], "precision": args.precision,
            "backbone": args.backbone, "image_size": size, "batch_size": args.batch_size, "images": args.n,
            "pipeline_fit_images_per_s": round(ours, 1), "bare_fit_in_memory_images_per_s": round(bare, 1),
            "ratio": round(ours / bare, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-size", type=int, nargs="+", default=[32, 224])
    parser.add_argument("--backbone", default="vgg16")
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--n", type=int, default=None, help="faces (default: 256 at <= 64 px, else 96)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--read-n", type=int, default=2000, help="faces in the host-pipeline test (224 px)")
    parser.add_argument("--skip-host", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_host:
            make_store(tmp / "read.h5", args.read_n, 224)
            host = host_pipeline(tmp / "read.h5", args.read_n, args.batch_size)
            (tmp / "read.h5").unlink()
            print(json.dumps({"image_size": 224, "faces": args.read_n, "cores": 1, **host}), flush=True)
        for size in args.image_size:
            run = argparse.Namespace(**{**vars(args), "n": args.n or (256 if size <= 64 else 96)})
            print(json.dumps({"cores": len(os.sched_getaffinity(0)), **training(tmp, run, size)}), flush=True)


if __name__ == "__main__":
    main()
