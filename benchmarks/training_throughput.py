"""Training throughput of the project's pipeline against bare `model.fit`, and the input pipeline alone.

1. Steady-state training images/s of `agecascade.training.fit` (HDF5 face store -> tf.data ->
   augmentation -> fit) against bare `model.fit` on the same batches held in memory as NumPy
   arrays, with the same model, batch size and machine, in one run. The first epoch (graph
   tracing) is excluded from both.
2. The input pipeline alone (store reads + augmentation, no model) in images/s, and per core.

Usage: python benchmarks/training_throughput.py [--image-size 32] [--backbone vgg16] [--n 256]
"""

from __future__ import annotations

import argparse
import json
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--backbone", default="vgg16")
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    import keras

    from agecascade.training import FaceBatches, FitSettings, dataset, fit, initial_model

    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_store(tmp / "faces.h5", args.n, args.image_size)
        classes = np.arange(args.n) % 10
        values = np.arange(10)
        settings = FitSettings(learning_rate=1e-4, batch_size=args.batch_size, epochs=args.epochs, patience=None)

        def ours(augment) -> float:
            model = initial_model(args.backbone, None, values, image_size=args.image_size, seed=0)
            timer = BatchTimer(args.batch_size)
            batches = FaceBatches(tmp / "faces.h5", np.arange(args.n), classes, args.batch_size, True)
            run = FitSettings(**{**settings.__dict__, "augment": augment})
            backup = Path(tempfile.mkdtemp(dir=tmp))
            fit(model, batches, None, run, backup, tmp / "h.csv", extra_callbacks=[timer.callback])
            return timer.images_per_second()

        # 1a. the project's pipeline + fit: the same faces as the bare run (no augmentation), and
        # with the study's augmentation (extra CPU work, which on a CPU-only machine competes
        # with the training itself)
        same_batches = ours(augment={})
        augmented = ours(augment=settings.augment)

        # 1b. bare model.fit on the same faces held in memory
        import h5py

        with h5py.File(tmp / "faces.h5") as handle:
            images = handle["images"][:].astype("float32")
        model = initial_model(args.backbone, None, values, image_size=args.image_size, seed=0)
        model.compile(keras.optimizers.Adam(1e-4), keras.losses.SparseCategoricalCrossentropy())
        timer = BatchTimer(args.batch_size)
        model.fit(images, classes, batch_size=args.batch_size, epochs=args.epochs, verbose=0,
                  callbacks=[timer.callback])
        bare = timer.images_per_second()

        # 2. the input pipeline alone (with augmentation), two passes, the second timed
        data = dataset(FaceBatches(tmp / "faces.h5", np.arange(args.n), classes, args.batch_size, True),
                       settings.augment, seed=0)
        for _ in data:
            pass
        start = time.perf_counter()
        for _ in data:
            pass
        pipeline = args.n / (time.perf_counter() - start)

    print(json.dumps({
        "backbone": args.backbone,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "images": args.n,
        "cores": cores,
        "pipeline_fit_images_per_s": round(same_batches, 1),
        "bare_fit_in_memory_images_per_s": round(bare, 1),
        "ratio": round(same_batches / bare, 3),
        "pipeline_fit_with_augmentation_images_per_s": round(augmented, 1),
        "ratio_with_augmentation": round(augmented / bare, 3),
        "input_pipeline_images_per_s": round(pipeline, 1),
        "input_pipeline_images_per_s_per_core": round(pipeline / cores, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
