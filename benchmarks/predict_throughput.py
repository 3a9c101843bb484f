"""Faces/s of `agecascade predict` on CPU: whole pipeline (decode, MTCNN, crop, model) and model alone.

The photos are copies of scikit-image's astronaut (512 x 512, one face). The model is a VGG16 age
model at the given input size (random weights: speed does not depend on them).

Usage: python benchmarks/predict_throughput.py [--image-size 32 224] [--photos 40] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image-size", type=int, nargs="+", default=[32, 224])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    import keras
    from PIL import Image
    from skimage import data

    from agecascade.inference import AgePredictor
    from agecascade.models.head import build_age_model

    tmp = Path(tempfile.mkdtemp())
    photos = tmp / "photos"
    photos.mkdir()
    for i in range(args.photos):
        Image.fromarray(data.astronaut()).save(photos / f"p{i:03d}.jpg", quality=92)
    results = []
    for size in args.image_size:
        model_path = tmp / f"vgg16-{size}.keras"
        build_age_model("vgg16", list(range(0, 70, 5)), input_shape=(size, size, 3), seed=0).save(model_path)
        predictor = AgePredictor(model_path, batch_size=args.batch_size)
        predictor.predict([photos / "p000.jpg"], progress=False)  # warm-up: graph tracing, MTCNN load
        start = time.perf_counter()
        table = predictor.predict([photos], progress=False).faces
        total = time.perf_counter() - start
        crops = np.random.default_rng(0).integers(0, 256, (args.batch_size, size, size, 3)).astype("float32")
        predictor.model.predict_on_batch(crops)
        start = time.perf_counter()
        for _ in range(3):
            predictor.model.predict_on_batch(crops)
        model_only = 3 * args.batch_size / (time.perf_counter() - start)
        results.append({"image_size": size, "faces": len(table), "pipeline_faces_per_s": round(len(table) / total, 2),
                        "model_only_faces_per_s": round(model_only, 1)})
        keras.backend.clear_session()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
