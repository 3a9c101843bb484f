"""`agecascade export`: SavedModel and ONNX files that run without agecascade, as the .keras model."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from agecascade import cli

pytestmark = pytest.mark.integration

# A fresh interpreter that must not import agecascade (its custom layers are not needed)
NO_AGECASCADE = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, *args):
        if name.split('.')[0] == 'agecascade': raise ImportError('blocked ' + name)
sys.meta_path.insert(0, Block())
"""

LOAD_SAVEDMODEL = NO_AGECASCADE + """
import json, numpy as np, tensorflow as tf
faces = np.load(sys.argv[2])
model = tf.saved_model.load(sys.argv[1])
out = model.serve(tf.constant(faces))
meta = json.load(open(sys.argv[1] + '/assets.extra/agecascade.json'))
print(json.dumps({'expected_age': out['expected_age'].numpy()[:, 0].tolist(),
                  **{k: out[k].numpy()[:, 0].tolist() for k in ('median_age', 'age_low', 'age_high')},
                  'group': out['group'].numpy().tolist() if 'group' in out else None, 'meta': meta}))
"""

LOAD_ONNX = NO_AGECASCADE + """
import json, numpy as np, onnxruntime as ort
faces = np.load(sys.argv[2])
session = ort.InferenceSession(sys.argv[1])
names = [o.name for o in session.get_outputs()]
out = dict(zip(names, session.run(None, {session.get_inputs()[0].name: faces})))
meta = session.get_modelmeta().custom_metadata_map
print(json.dumps({'expected_age': out['expected_age'][:, 0].tolist(),
                  **{k: out[k][:, 0].tolist() for k in ('median_age', 'age_low', 'age_high')},
                  'input_type': session.get_inputs()[0].type,
                  'group': out['group'].tolist() if 'group' in out else None, 'meta': meta}))
"""


def _model(tmp_path, kind):
    import keras

    from agecascade.models.head import build_age_model

    keras.utils.set_random_seed(3)
    if kind == "age":
        values, names = [0, 5, 12, 20, 40, 69], None
    else:
        values, names = list(range(8)), ["0-2", "4-6", "8-12", "15-20", "25-32", "38-43", "48-53", "60-100"]
    model = build_age_model("resnet50" if kind == "group" else "vgg16", values, names, kind,
                            info={"backbone": "vgg16", "chain": "imdb-agedb", "margin": 0.3, "temperature": 2.5},
                            input_shape=(32, 32, 3),
                            seed=3)
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    return path, model


@pytest.mark.parametrize("kind", ["age", "group"])
@pytest.mark.parametrize("fmt", ["savedmodel", "onnx"])
def test_exported_model_runs_without_agecascade_and_agrees_with_the_keras_model(tmp_path, capsys, kind, fmt):
    from agecascade import decision
    from agecascade.calibration import temper
    from agecascade.models.files import group_midpoints
    from agecascade.models.head import expected_age

    path, model = _model(tmp_path, kind)
    faces = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3)).astype("uint8")
    np.save(tmp_path / "faces.npy", faces)
    probabilities = model.predict(faces.astype("float32"), verbose=0)
    space = model.get_layer("label_space")
    ages = group_midpoints(space.names) if kind == "group" else space.values
    want = expected_age(probabilities, ages)

    out = tmp_path / ("age_model" if fmt == "savedmodel" else "age.onnx")
    assert cli.main(["export", str(path), str(out), "--format", fmt]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["bytes"] > 0 and summary["metadata"]["margin"] == 0.3

    script = LOAD_SAVEDMODEL if fmt == "savedmodel" else LOAD_ONNX
    run = subprocess.run([sys.executable, "-c", script, str(out), str(tmp_path / "faces.npy")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(got["expected_age"], want, atol=1e-3)  # within 1e-3 years
    # the posterior median of the model's own distribution and the 80 % interval at its temperature,
    # as `predict` gives them (agecascade.decision, agecascade.calibration)
    hot = temper(probabilities, 2.5)
    low, high = decision.interval(hot, ages)
    assert got["median_age"] == decision.median(probabilities, ages).tolist()
    assert (got["age_low"], got["age_high"]) == (low.tolist(), high.tolist())
    if kind == "group":
        assert got["group"] == probabilities.argmax(axis=1).tolist()
    meta = got["meta"]
    if fmt == "onnx":
        assert got["input_type"] == "tensor(uint8)"
        assert float(meta["margin"]) == 0.3 and json.loads(meta["label_values"]) == [float(v) for v in space.values]
    else:
        assert meta["margin"] == 0.3 and meta["label_values"] == [float(v) for v in space.values]
        assert meta["image_size"] == 32 and meta["label_names"] == list(space.names)
    # an existing export is not replaced without --force
    assert cli.main(["export", str(path), str(out), "--format", fmt]) == 2
    assert "exists: use --force" in capsys.readouterr().err
    assert cli.main(["export", str(path), str(out), "--format", fmt, "--force"]) == 0
