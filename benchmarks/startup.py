"""Where a training job's start-up goes: process start -> first training step, per backbone.

Each measurement is a fresh process (as a Snakemake job is) running the jobs' own code: import
Keras and the package, set up the device, build the age model (random weights), then
`agecascade.training.fit` on a 16-face store: its first training step (graph building/tracing
included), then a second step for comparison. Prints seconds
per phase. Issue 14 targets SENet50 at most 15 s on this machine.

Usage: python benchmarks/startup.py [--image-size 32 224] [--backbones vgg16 resnet50 senet50]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, sys, tempfile, time
from pathlib import Path
t0 = time.perf_counter()
import numpy as np
import keras
import agecascade.models.head
from agecascade.data.store import FaceStoreWriter
from agecascade.device import setup_device
from agecascade.fit import FitSettings, fit
from agecascade.input_pipeline import FaceBatches
from agecascade.start_models import initial_model
t_import = time.perf_counter()
backbone, size = sys.argv[1], int(sys.argv[2])
settings = FitSettings(learning_rate=1e-4, batch_size=8, epochs=1, require_gpu=False)
setup_device(settings, 2)
model = initial_model(backbone, None, list(range(63)), image_size=size, seed=0)
t_build = time.perf_counter()
stamps = []
class Stamp(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        stamps.append(time.perf_counter())
with tempfile.TemporaryDirectory() as tmp:
    rng = np.random.default_rng(0)
    with FaceStoreWriter(Path(tmp) / "faces.h5", size) as writer:
        for _ in range(16):
            writer.append(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
    train = FaceBatches(Path(tmp) / "faces.h5", np.arange(16), np.arange(16) % 63, 8, shuffle=True)
    fit(model, train, None, settings, Path(tmp) / "backup", Path(tmp) / "history.csv", extra_callbacks=[Stamp()])
print(json.dumps({"backend": keras.backend.backend(), "import_s": round(t_import - t0, 1),
                  "build_s": round(t_build - t_import, 1), "first_step_s": round(stamps[0] - t_build, 1),
                  "second_step_s": round(stamps[1] - stamps[0], 2), "to_first_step_s": round(stamps[0] - t0, 1)}))
"""

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image-size", type=int, nargs="+", default=[32, 224])
    parser.add_argument("--backbones", nargs="+", default=["vgg16", "resnet50", "senet50"])
    args = parser.parse_args()
    rows = []
    for size in args.image_size:
        for backbone in args.backbones:
            run = subprocess.run([sys.executable, "-c", CHILD, backbone, str(size)], capture_output=True, text=True,
                                 env={"TF_CPP_MIN_LOG_LEVEL": "3", **__import__("os").environ})
            failed = json.dumps({"error": run.stderr[-300:]})
            line = run.stdout.strip().splitlines()[-1] if run.returncode == 0 else failed
            rows.append({"backbone": backbone, "image_size": size, **json.loads(line)})
            print(json.dumps(rows[-1]), flush=True)


if __name__ == "__main__":
    main()
