"""Feature extraction (TensorFlow side) and the regression's input checks.

auto-sklearn itself runs for real, in its own environment, in the demo inside `make test`
(tests/test_workflow.py::test_demo_runs_the_regression_with_auto_sklearn_and_writes_table5).
"""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from agecascade.data.store import FaceStoreWriter
from agecascade.regression import RegressionInputError, fold_data, load_features


def _store(path, n=10, size=32, seed=0):
    rng = np.random.default_rng(seed)
    faces = rng.integers(0, 256, size=(n, size, size, 3), dtype=np.uint8)
    with FaceStoreWriter(path, size) as writer:
        for face in faces:
            writer.append(face)
    return faces


@pytest.mark.parametrize("layer", ["first", "last", "flat"])
def test_features_are_the_pooled_maps_of_the_named_layer_streamed_in_store_order(tmp_path, layer, monkeypatch):
    import keras

    from agecascade import features
    from agecascade.features import extract_features, extractor_backbone

    faces = _store(tmp_path / "faces.h5", n=10)
    monkeypatch.setattr(features, "BATCH_SIZE", 4)  # 10 faces in batches of 4: the last batch is partial
    extract_features("vgg16-faces2", layer, tmp_path / "faces.h5", tmp_path / f"{layer}.h5", image_size=32, seed=3)
    _, backbone = extractor_backbone("vgg16-faces2", None, image_size=32, seed=3)
    # keras-vggface's VGG16: the first convolution is conv1_1, the last conv5_3
    conv = backbone.get_layer("conv1_1" if layer == "first" else "conv5_3")
    maps = np.asarray(keras.Model(backbone.input, conv.output).predict(faces, verbose=0))
    expected = maps.reshape(len(faces), -1) if layer == "flat" else maps.max(axis=(1, 2))
    with h5py.File(tmp_path / f"{layer}.h5") as handle:
        got = handle["features"][()]
        assert list(handle["index"][()]) == list(range(10))
        assert handle.attrs["keras_layer"] == conv.name
    # conv5_3 is 2 x 2 at 32 px
    assert got.shape == ({"first": (10, 64), "last": (10, 512), "flat": (10, 2 * 2 * 512)}[layer])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert not (tmp_path / f"{layer}.h5.partial").exists()


def test_cascade_extractor_uses_the_stage_models_backbone(tmp_path):
    from agecascade.features import extract_features
    from agecascade.models.head import build_age_model

    _store(tmp_path / "faces.h5", n=3)
    model = build_age_model("vgg16", [1, 2], input_shape=(32, 32, 3), seed=5)
    model.save(tmp_path / "imdb-agedb.keras")
    extract_features("vgg16-imdb-agedb", "last", tmp_path / "faces.h5", tmp_path / "a.h5",
                     start=tmp_path / "imdb-agedb.keras", image_size=32, seed=5)
    extract_features("vgg16-faces2", "last", tmp_path / "faces.h5", tmp_path / "b.h5", image_size=32, seed=99)
    with h5py.File(tmp_path / "a.h5") as a, h5py.File(tmp_path / "b.h5") as b:
        assert not np.allclose(a["features"][()], b["features"][()])  # different weights, different features
    with pytest.raises(ValueError, match="needs its stage model"):
        extract_features("vgg16-imdb-agedb", "last", tmp_path / "faces.h5", tmp_path / "c.h5", image_size=32, seed=5)


def _features_file(path, features, index=None):
    with h5py.File(path, "w") as handle:
        handle["features"] = np.asarray(features, dtype="float32")
        handle["index"] = np.arange(len(features)) if index is None else index
    return path


def test_nan_or_infinite_features_stop_naming_the_file(tmp_path):
    features = np.ones((6, 4))
    features[2, 1] = np.nan
    features[4, 0] = np.inf
    path = _features_file(tmp_path / "bad.h5", features)
    expected = r"bad\.h5: 2 NaN or infinite feature values in 2 faces \(store rows \[2, 4\]"
    with pytest.raises(RegressionInputError, match=expected):
        load_features(path)
    with pytest.raises(RegressionInputError, match="not a features file"):
        load_features(tmp_path / "missing.h5")


def test_fold_data_holds_out_the_fold_and_refuses_empty_training(tmp_path):
    features = np.arange(12, dtype=float).reshape(6, 2)
    split = pd.DataFrame({"index": [5, 4, 3, 2, 1, 0], "subject": [1, 1, 2, 2, 3, 3], "label": [1, 2, 3, 4, 5, 6],
                          "fold": [1, 1, 2, 2, 3, 3], "source": list("abcdef")})
    x_train, y_train, x_test, test = fold_data(features, np.arange(6), split, 2, "f.h5")
    np.testing.assert_array_equal(x_test, features[[3, 2]])  # rows looked up by store index
    assert list(y_train) == [1, 2, 5, 6] and list(test["source"]) == ["c", "d"]
    one_fold = split.assign(fold=1)
    with pytest.raises(RegressionInputError, match="f.h5: fold 1 has no training rows"):
        fold_data(features, np.arange(6), one_fold, 1, "f.h5")
    with pytest.raises(RegressionInputError, match="fold 9 has no test faces"):
        fold_data(features, np.arange(6), split, 9, "f.h5")
    with pytest.raises(RegressionInputError, match="2 faces of the split have no features"):
        fold_data(features[:4], np.arange(4), split, 1, "f.h5")


def test_fast_ica_is_left_out_only_where_features_outnumber_rows():
    from agecascade.regression import excluded_components

    assert excluded_components(90, 512) == {"feature_preprocessor": ["fast_ica"]}  # demo fold, flattened layer
    assert excluded_components(990, 512) == {}  # the real FG-NET fold: auto-sklearn's defaults


def test_the_flat_features_are_the_last_conv_layer_unpooled_at_the_thesis_input_size():
    # thesis: "the last convolutional layer flattened without pooling"; VGG16's conv5_3 at 224 px
    # is 14 x 14 x 512 (keras-vggface: 224 / 2^4 after four 2x2 poolings) = 100,352 features
    # (25,088 would be pool5, after the fifth pooling)
    from agecascade.features import feature_model
    from agecascade.models.backbones import build_backbone

    model, conv = feature_model(build_backbone("vgg16", (224, 224, 3)), "vgg16", "flat")
    assert conv == "conv5_3" and model.output_shape == (None, 14 * 14 * 512) == (None, 100_352)


def test_a_fold_whose_budget_finished_no_configuration_describes_auto_sklearns_fallback():
    # auto-sklearn predicts with a dummy model when no configuration finished in the budget (the
    # flat features at a short budget): its `config` is a number, not a Configuration
    from types import SimpleNamespace

    from agecascade.regression import describe_ensemble

    class Dummy:
        config = 1

    timeout = SimpleNamespace(status=SimpleNamespace(name="TIMEOUT"), additional_info={})
    automl = SimpleNamespace(get_models_with_weights=lambda: [(1.0, Dummy())],
                             automl_=SimpleNamespace(runhistory_=SimpleNamespace(data={1: timeout})),
                             sprint_statistics=lambda: "")
    described = describe_ensemble(automl)
    assert described["models"] == [{"weight": 1.0, "regressor": "fallback: Dummy", "config": {}}]
    assert described["run_status"] == {"TIMEOUT": 1} and described["configurations_tried"] == 1
