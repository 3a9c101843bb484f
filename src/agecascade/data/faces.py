"""Face detection with MTCNN (package `mtcnn`, whose weights ship inside its wheel)."""

from __future__ import annotations

import os

import numpy as np

# MTCNN runs per picture; TensorFlow's own thread pools would fight the worker processes.
_THREADS_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "OMP_NUM_THREADS": "1"}


class FaceDetector:
    """The most confident face of a picture, as found by MTCNN.

    Args:
        device: TensorFlow device string ("CPU:0", "GPU:0").
        min_confidence: detections below this confidence count as "no face".
        single_thread: limit TensorFlow to one thread (for use inside worker processes).
    """

    def __init__(self, device: str = "CPU:0", min_confidence: float = 0.9, single_thread: bool = True):
        if single_thread:
            for key, value in _THREADS_ENV.items():
                os.environ.setdefault(key, value)
        import tensorflow as tf
        from mtcnn import MTCNN

        if single_thread:
            try:
                tf.config.threading.set_intra_op_parallelism_threads(1)
                tf.config.threading.set_inter_op_parallelism_threads(1)
            except RuntimeError:  # already initialised in this process
                pass
        self.min_confidence = min_confidence
        self._mtcnn = MTCNN(device=device)

    def detect(self, image: np.ndarray) -> tuple[tuple[int, int, int, int], float] | None:
        """Box (x1, y1, x2, y2) and confidence of the most confident face, or None.

        Args:
            image: uint8 RGB array (H, W, 3).
        """
        faces = self.detect_all(image)
        return faces[0] if faces else None

    def detect_all(self, image: np.ndarray) -> list[tuple[tuple[int, int, int, int], float]]:
        """Box (x1, y1, x2, y2) and confidence of every face, most confident first."""
        faces = self._mtcnn.detect_faces(np.ascontiguousarray(image))
        found = []
        for face in faces:
            if float(face["confidence"]) < self.min_confidence:
                continue
            x, y, w, h = (int(v) for v in face["box"])
            found.append(((max(x, 0), max(y, 0), x + w, y + h), float(face["confidence"])))
        return sorted(found, key=lambda f: -f[1])
