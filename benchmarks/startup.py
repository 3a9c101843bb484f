"""Where a training job's start-up goes: process start -> first training step, per backbone.

Each measurement is a fresh process (as a Snakemake job is): import TensorFlow/Keras and the
package, build the age model (random weights; a stage model from disk when --load), compile, the
first training step (graph building/tracing), then a second step for comparison. Prints seconds
per phase. Issue 14 targets SENet50 at most 15 s on this machine.

Usage: python benchmarks/startup.py [--image-size 32 224] [--backbones vgg16 resnet50 senet50]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import keras, tensorflow as tf
import agecascade.models
from agecascade.training import initial_model, setup_device, FitSettings
t_import = time.perf_counter()
backbone, size = sys.argv[1], int(sys.argv[2])
setup_device(FitSettings(learning_rate=1e-4, batch_size=8, epochs=1), 2)
model = initial_model(backbone, None, list(range(63)), image_size=size, seed=0)
t_build = time.perf_counter()
model.compile(optimizer=keras.optimizers.Adam(1e-4), loss=keras.losses.SparseCategoricalCrossentropy())
x = np.random.default_rng(0).uniform(0, 255, (8, size, size, 3)).astype("float32")
y = np.arange(8) % 63
model.train_on_batch(x, y)
t_first = time.perf_counter()
model.train_on_batch(x, y)
t_second = time.perf_counter()
print(json.dumps({"import_s": round(t_import - t0, 1), "build_s": round(t_build - t_import, 1),
                  "first_step_s": round(t_first - t_build, 1), "second_step_s": round(t_second - t_first, 2),
                  "to_first_step_s": round(t_first - t0, 1)}))
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
            line = run.stdout.strip().splitlines()[-1] if run.returncode == 0 else json.dumps({"error": run.stderr[-300:]})
            rows.append({"backbone": backbone, "image_size": size, **json.loads(line)})
            print(json.dumps(rows[-1]), flush=True)


if __name__ == "__main__":
    main()
