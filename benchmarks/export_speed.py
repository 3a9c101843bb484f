"""Exported models (SavedModel, ONNX) against the .keras model: file size, load time, faces/s.

A VGG16 age model at 224 px (63 ages, random weights: speed does not depend on them) is saved and
exported with `agecascade export`; each is loaded (timed) and run on the same batches of faces
(crops of scikit-image's astronaut), in this process, one after the other.

Usage: python benchmarks/export_speed.py [--image-size 224] [--batch-size 32] [--batches 5]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np


def _rate(run, faces, batches: int) -> float:
    run(faces)  # warm-up (tracing, session set-up)
    start = time.perf_counter()
    for _ in range(batches):
        run(faces)
    return round(batches * len(faces) / (time.perf_counter() - start), 1)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args()

    import onnxruntime as ort
    import tensorflow as tf
    from PIL import Image
    from skimage import data

    from agecascade.export import export_model
    from agecascade.models.head import build_age_model
    from agecascade.models.files import load_age_model

    tmp = Path(tempfile.mkdtemp())
    size = args.image_size
    keras_path = tmp / "model.keras"
    model = build_age_model("vgg16", list(range(63)), info={"margin": 0.4}, input_shape=(size, size, 3), seed=0)
    model.save(keras_path)
    face = np.asarray(Image.fromarray(data.astronaut()[30:210, 150:300]).resize((size, size)))
    faces = np.repeat(face[None], args.batch_size, axis=0).astype("uint8")
    results = []

    start = time.perf_counter()
    model = load_age_model(keras_path)
    load = time.perf_counter() - start
    results.append({"format": "keras", "bytes": _size(keras_path), "load_s": round(load, 2),
                    "faces_per_s": _rate(lambda x: model.predict_on_batch(x.astype("float32")), faces, args.batches)})
    for fmt, name in (("savedmodel", "savedmodel"), ("onnx", "model.onnx")):
        out = tmp / name
        export_model(keras_path, fmt, out)
        start = time.perf_counter()
        if fmt == "savedmodel":
            loaded = tf.saved_model.load(str(out))
            run = lambda x, m=loaded: m.serve(tf.constant(x))  # noqa: E731
        else:
            session = ort.InferenceSession(str(out))
            feed = session.get_inputs()[0].name
            run = lambda x, s=session, f=feed: s.run(None, {f: x})  # noqa: E731
        load = time.perf_counter() - start
        results.append({"format": fmt, "bytes": _size(out), "load_s": round(load, 2),
                        "faces_per_s": _rate(run, faces, args.batches)})
    base = results[0]["faces_per_s"]
    for row in results:
        row["speed_vs_keras"] = round(row["faces_per_s"] / base, 2)
    print(json.dumps({"image_size": size, "batch_size": args.batch_size, "results": results}, indent=2))


if __name__ == "__main__":
    main()
