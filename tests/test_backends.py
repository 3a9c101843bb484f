"""The training pipeline on another Keras backend: JAX on the CPU, resumed after a kill, its model
used under TensorFlow."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from agecascade.data.store import FaceStoreWriter

# Trains a small VGG16 on the store for 2 epochs; with "kill", SIGKILLs itself when epoch 2 begins
# (after epoch 1's backup), as a scheduler's time limit would. Without it, finishes and saves.
CHILD = r"""
import json, os, signal, sys
from pathlib import Path
import keras, numpy as np, pandas as pd
from agecascade.device import setup_device
from agecascade.fit import FitSettings, fit
from agecascade.input_pipeline import FaceBatches, training_model
from agecascade.start_models import initial_model

root, mode = Path(sys.argv[1]), sys.argv[2]
settings = FitSettings(learning_rate=1e-3, batch_size=8, epochs=2, patience=1, seed=3)
report = setup_device(settings, 2)
split = pd.read_csv(root / "split.csv")
values = sorted(split["label"].unique())
classes = np.searchsorted(values, split["label"])
model = initial_model("vgg16", None, values, image_size=32, seed=3, info={"margin": 0.4, "image_size": 32})
train = FaceBatches(root / "faces.h5", split["index"], classes, 8, shuffle=True, seed=3)

class Kill(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            os.kill(os.getpid(), signal.SIGKILL)

history = fit(model, train, None, settings, root / "backup", root / "history.csv",
              extra_callbacks=[Kill()] if mode == "kill" else [])
model.save(root / "model.keras")
faces = FaceBatches(root / "faces.h5", split["index"][:16], classes[:16], 16, shuffle=False)[0][0]
np.save(root / "jax_probabilities.npy", keras.ops.convert_to_numpy(training_model(model)(faces)))
print("REPORT", json.dumps({**report, "history_epochs": history["epoch"].tolist()}))
"""


@pytest.fixture()
def store(tmp_path):
    rng = np.random.default_rng(1)
    ages = rng.integers(5, 60, size=40)
    with FaceStoreWriter(tmp_path / "faces.h5", 32) as writer:
        for _ in ages:
            writer.append(rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8))
    pd.DataFrame({"index": np.arange(40), "label": ages}).to_csv(tmp_path / "split.csv", index=False)
    return tmp_path


def test_jax_training_resumes_after_a_kill_and_its_model_predicts_under_tensorflow(store):
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONUNBUFFERED": "1"}
    killed = subprocess.run([sys.executable, "-c", CHILD, str(store), "kill"], capture_output=True, text=True,
                            env=env, timeout=600)
    assert killed.returncode == -9, killed.stdout[-2000:] + killed.stderr[-2000:]
    metadata = json.loads((store / "backup" / "checkpoint" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 1 and not (store / "model.keras").exists()

    resumed = subprocess.run([sys.executable, "-c", CHILD, str(store), "resume"], capture_output=True, text=True,
                             env=env, timeout=600)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    output = resumed.stdout + resumed.stderr
    assert [int(m) for m in re.findall(r"^Epoch (\d+)/2$", output, re.MULTILINE)] == [2]  # only the missing epoch
    report = json.loads(output.split("REPORT ", 1)[1].splitlines()[0])
    assert report["backend"] == "jax" and report["history_epochs"] == [0, 1]

    # this test process runs the TensorFlow backend: the JAX-trained file predicts the same here
    import keras

    from agecascade.input_pipeline import FaceBatches, training_model

    from agecascade.start_models import load_age_model

    assert keras.backend.backend() == "tensorflow"
    model = load_age_model(store / "model.keras")
    faces = FaceBatches(store / "faces.h5", np.arange(16), np.zeros(16), 16, shuffle=False)[0][0]
    probabilities = keras.ops.convert_to_numpy(training_model(model)(faces))
    np.testing.assert_allclose(probabilities, np.load(store / "jax_probabilities.npy"), atol=1e-5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
