"""Face detection with MTCNN (package `mtcnn`, whose weights ship inside its wheel).

Detection runs on a copy of the picture reduced to at most `DETECT_MAX_SIDE` pixels on its longer
side; the boxes are mapped back to the full picture, from which the faces are cropped. MTCNN's
memory and time then do not grow with the photo's resolution (a 100-megapixel photo costs what a
1.3-megapixel one does), and faces down to about 1.5 % of the longer side (MTCNN's 20-pixel
minimum) are still found.
"""

from __future__ import annotations

import os

import numpy as np

DETECT_MAX_SIDE = 1280

# MTCNN runs per picture; TensorFlow's own thread pools would fight the worker processes.
_THREADS_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "OMP_NUM_THREADS": "1"}


class FaceDetector:
    """The most confident face of a picture, as found by MTCNN.

    Args:
        device: TensorFlow device string ("CPU:0", "GPU:0").
        min_confidence: detections below this confidence count as "no face".
        single_thread: limit TensorFlow to one thread (for use inside worker processes).
    """

    def __init__(self, device: str = "CPU:0", min_confidence: float | None = None, single_thread: bool = True):
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
        if min_confidence is None:
            from agecascade.config import dataset_default

            min_confidence = dataset_default("min_confidence")
        self.min_confidence = min_confidence
        self._mtcnn = MTCNN(device=device)

    def detect(self, image) -> tuple[tuple[int, int, int, int], float] | None:
        """Box (x1, y1, x2, y2) and confidence of the most confident face, or None.

        Args:
            image: RGB PIL image or uint8 RGB array (H, W, 3).
        """
        faces = self.detect_all(image)
        return faces[0] if faces else None

    def detect_all(self, image) -> list[tuple[tuple[int, int, int, int], float]]:
        """Box (x1, y1, x2, y2) in the full picture's pixels and confidence of every face, most
        confident first (detected on a copy reduced to `DETECT_MAX_SIDE`)."""
        from PIL import Image

        picture = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image))
        scale = min(1.0, DETECT_MAX_SIDE / max(picture.size))
        if scale < 1.0:
            size = (max(1, round(picture.size[0] * scale)), max(1, round(picture.size[1] * scale)))
            picture = picture.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        faces = self._mtcnn.detect_faces(np.ascontiguousarray(np.asarray(picture)))
        found = []
        for face in faces:
            if float(face["confidence"]) < self.min_confidence:
                continue
            x, y, w, h = (v / scale for v in face["box"])
            box = (max(int(x), 0), max(int(y), 0), int(round(x + w)), int(round(y + h)))
            found.append((box, float(face["confidence"])))
        return sorted(found, key=lambda f: -f[1])
