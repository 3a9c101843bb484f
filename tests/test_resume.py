"""A training job killed at any moment continues after its last finished epoch, on any Keras
backend, and its model is usable under the workflow's TensorFlow."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.integration

# One cascade-stage job through `run_training` (4 epochs, a backup after each), then the saved
# model's probabilities of 16 faces, computed on the job's backend.
JOB = """
import sys
import keras, numpy as np
from agecascade.fit import FitSettings
from agecascade.input_pipeline import FaceBatches, training_model
from agecascade.models.files import load_age_model
from agecascade.training import TrainingData, TrainingJob, TrainingOutputs, run_training
root = sys.argv[1]
run_training(TrainingJob(
    "vgg16", TrainingData(f"{root}/faces.h5", f"{root}/split.csv", f"{root}/labels.json"),
    FitSettings(learning_rate=1e-3, batch_size=8, epochs=4, patience=1, seed=3),
    TrainingOutputs(f"{root}/backup", f"{root}/out/history.csv", model=f"{root}/out/model.keras"),
    {"image_size": 32, "margin": 0.3, "chain": "imdb"}, threads=2))
faces = FaceBatches(f"{root}/faces.h5", np.arange(16), np.zeros(16), 16, shuffle=False)[0][0]
model = training_model(load_age_model(f"{root}/out/model.keras"))
np.save(f"{root}/out/probabilities.npy", keras.ops.convert_to_numpy(model(faces)))
print("BACKEND", keras.backend.backend())
"""


def _kill_after_first_backup(job: subprocess.Popen, metadata) -> int:
    """SIGKILL the job (as a scheduler's time limit or a preemption would) once a backup holds a
    finished epoch; returns that epoch count."""
    deadline = time.time() + 300
    while time.time() < deadline and job.poll() is None:
        if metadata.is_file() and json.loads(metadata.read_text() or "{}").get("epoch", 0) >= 1:
            break
        time.sleep(0.2)
    assert job.poll() is None, "training finished before it could be killed:\n" + job.stdout.read()
    os.killpg(job.pid, signal.SIGKILL)
    job.wait()
    return json.loads(metadata.read_text())["epoch"]


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_a_killed_job_resumes_after_its_last_finished_epoch(store, tmp_path, backend):
    if backend == "jax":
        pytest.importorskip("jax")
    for name in ("faces.h5", "split.csv", "labels.json"):
        os.symlink(store / name, tmp_path / name)
    env = {**os.environ, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu", "PYTHONUNBUFFERED": "1",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    first = subprocess.Popen([sys.executable, "-c", JOB, str(tmp_path)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    epochs_done = _kill_after_first_backup(first, tmp_path / "backup" / "checkpoint" / "training_metadata.json")
    assert not (tmp_path / "out" / "model.keras").exists()

    second = subprocess.run([sys.executable, "-c", JOB, str(tmp_path)], capture_output=True, text=True, env=env,
                            timeout=600)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    output = second.stdout + second.stderr
    assert f"BACKEND {backend}" in output
    epochs_run = [int(m[1]) for m in re.finditer(r"^Epoch (\d+)/4$", output, re.MULTILINE)]
    assert epochs_run[0] == epochs_done + 1 and epochs_run[-1] == 4  # after the last finished epoch
    assert list(pd.read_csv(tmp_path / "out" / "history.csv")["epoch"]) == [0, 1, 2, 3]  # each epoch once
    assert not (tmp_path / "backup").exists()  # cleaned up after success

    # this test process runs TensorFlow: the file predicts here what it predicted on its backend
    import keras

    from agecascade.input_pipeline import FaceBatches, training_model
    from agecascade.models.head import label_space_of
    from agecascade.models.files import load_age_model

    model = load_age_model(tmp_path / "out" / "model.keras")
    info = label_space_of(model).info
    assert (info["margin"], info["image_size"]) == (0.3, 32)  # predict crops as the training did
    faces = FaceBatches(store / "faces.h5", np.arange(16), np.zeros(16), 16, shuffle=False)[0][0]
    probabilities = keras.ops.convert_to_numpy(training_model(model)(faces))
    np.testing.assert_allclose(probabilities, np.load(tmp_path / "out" / "probabilities.npy"), atol=1e-5)
