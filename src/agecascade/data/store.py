"""The HDF5 face store: `images` (N, S, S, 3) uint8, one chunk per face, row i = manifest row i."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np


class FaceStoreWriter:
    """Append faces to a new store without holding them in memory.

    Faces are buffered in blocks of `block` and written with one resize per block, into a
    temporary file beside `path` that is renamed to `path` when the store is complete (`close`).
    A failure (a full disk) closes it without flushing again and removes it: no cut-off store.
    """

    def __init__(self, path: str | Path, image_size: int, attrs: dict | None = None, block: int = 64):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self._file = h5py.File(self._partial, "w")
        self._images = self._file.create_dataset(
            "images",
            shape=(0, image_size, image_size, 3),
            maxshape=(None, image_size, image_size, 3),
            dtype=np.uint8,
            chunks=(1, image_size, image_size, 3),
        )
        for key, value in (attrs or {}).items():
            self._images.attrs[key] = value
        self._buffer = np.empty((block, image_size, image_size, 3), dtype=np.uint8)
        self._filled = 0
        self.count = 0

    def append(self, face: np.ndarray) -> int:
        """Add one face; returns its row index."""
        self._buffer[self._filled] = face
        self._filled += 1
        self.count += 1
        if self._filled == len(self._buffer):
            self._flush()
        return self.count - 1

    def _flush(self) -> None:
        if not self._filled:
            return
        start = self._images.shape[0]
        self._images.resize(start + self._filled, axis=0)
        self._images[start : start + self._filled] = self._buffer[: self._filled]
        self._filled = 0

    def close(self) -> None:
        self._flush()
        self._file.close()
        os.replace(self._partial, self.path)

    def abort(self) -> None:
        """Drop the incomplete store (no last flush: it failed already)."""
        try:
            self._file.close()
        except (OSError, RuntimeError, ValueError):
            pass
        self._partial.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, error_type, *exc):
        self.close() if error_type is None else self.abort()


def read_rows(images: h5py.Dataset, rows) -> np.ndarray:
    """Faces `rows` of a store's `images` dataset, in the order given.

    One read per row (each face is one chunk): h5py's fancy indexing (`images[list]`) builds a
    point selection and reads 224-px faces two orders of magnitude slower (docs/measurements.md,
    measured by `benchmarks/training_throughput.py`).
    """
    rows = np.asarray(rows, dtype=np.int64)
    faces = np.empty((len(rows), *images.shape[1:]), dtype=images.dtype)
    for position, row in enumerate(rows.tolist()):
        faces[position] = images[row]
    return faces
