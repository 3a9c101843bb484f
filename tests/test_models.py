import h5py
import keras
import numpy as np
import pytest

from agecascade.backbones.registry import backbone as backbone_spec
from agecascade.backbones.spec import keras_name, vggface_name
from agecascade.models.backbones import build_backbone
from agecascade.models.head import build_age_model, expected_age, label_space_of, transfer
from agecascade.models.weights import WeightLoadError, load_vggface_weights
from agecascade.models.preprocessing import FacePreprocess
from vggface_files import write_weight_file


@pytest.fixture(scope="module")
def backbones():
    return {name: build_backbone(name, (32, 32, 3)) for name in ("vgg16", "resnet50", "senet50")}


@pytest.mark.parametrize(
    "name,params,weighted",
    [("vgg16", 14_714_688, 13), ("resnet50", 23_561_152, 106), ("senet50", 26_092_144, 138)],
)
def test_parameter_counts_match_keras_vggface(backbones, name, params, weighted):
    model = backbones[name]
    assert model.count_params() == params == backbone_spec(name).parameters  # its module says the same
    assert sum(1 for layer in model.layers if layer.weights) == weighted
    # the layers its module names for features and Grad-CAM exist (keras-vggface's names)
    spec = backbone_spec(name)
    assert model.get_layer(spec.first_conv) and model.get_layer(spec.last_conv) and model.get_layer(spec.gradcam_layer)


def test_layer_names_map_one_to_one(backbones):
    for model in backbones.values():
        names = [layer.name for layer in model.layers]
        assert all("/" not in n for n in names)
        originals = [vggface_name(n) for n in names]
        assert len(set(originals)) == len(originals)
        assert [keras_name(n) for n in originals] == names
    assert keras_name("conv1/7x7_s2/bn") == "conv1__7x7_s2__bn"
    assert "conv2_1_1x1_reduce__bn" in [layer.name for layer in backbones["resnet50"].layers]


def _randomise(model, seed):
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        value = rng.normal(0.5, 0.2, size=variable.shape).astype("float32")
        if "variance" in variable.name:
            value = np.abs(value) + 0.1
        variable.assign(value)


# SENet-50's file (8 s to write and load) runs with the integration tier; VGG-16 and ResNet-50 here
@pytest.mark.parametrize("name", ["vgg16", "resnet50", pytest.param("senet50", marks=pytest.mark.integration)])
def test_weight_file_in_keras_vggface_layout_loads_exactly(tmp_path, name):
    source = build_backbone(name, (32, 32, 3))
    _randomise(source, 1)
    path = tmp_path / f"rcmalli_vggface_tf_notop_{name}.h5"
    write_weight_file(source, path)
    with h5py.File(path) as handle:  # the file really uses keras-vggface's names
        layer_names = [n.decode() for n in handle.attrs["layer_names"]]
        if name != "vgg16":
            assert "conv1/7x7_s2/bn" in layer_names
            assert "conv1/7x7_s2/bn/moving_mean:0" in [
                n.decode() for n in handle["conv1/7x7_s2/bn"].attrs["weight_names"]]
    target = build_backbone(name, (32, 32, 3))
    loaded = load_vggface_weights(target, path)
    assert loaded == sum(1 for layer in target.layers if layer.weights)
    for a, b in zip(source.weights, target.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(source.predict(x, verbose=0), target.predict(x, verbose=0), rtol=1e-5)


def test_renamed_layers_are_the_54_keras_by_name_would_skip(backbones):
    weighted = [layer.name for layer in backbones["resnet50"].layers if layer.weights]
    assert sum(vggface_name(n) != n for n in weighted) == 54


def test_a_layer_missing_from_the_file_fails_loudly(tmp_path, backbones):
    path = tmp_path / "w.h5"
    write_weight_file(backbones["resnet50"], path)
    with h5py.File(path, "a") as handle:
        del handle["conv3_2_3x3/bn"]
        names = [n for n in handle.attrs["layer_names"] if n != b"conv3_2_3x3/bn"]
        handle.attrs["layer_names"] = np.array(names, dtype="S")
    with pytest.raises(WeightLoadError, match="layer 'conv3_2_3x3__bn': not in the file"):
        load_vggface_weights(build_backbone("resnet50", (32, 32, 3)), path)


def test_shape_mismatch_fails_naming_the_layer(tmp_path):
    small = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(8, 3, name="conv1_1")])
    path = tmp_path / "w.h5"
    write_weight_file(small, path)
    expected = r"layer 'conv1_1': kernel has shape \(3, 3, 3, 8\) in the file, \(3, 3, 3, 64\)"
    with pytest.raises(WeightLoadError, match=expected):
        load_vggface_weights(build_backbone("vgg16", (32, 32, 3)), path)


def test_file_that_is_not_keras_2_layout_is_refused(tmp_path, backbones):
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("x", data=[1])
    with pytest.raises(WeightLoadError, match="layer_names"):
        load_vggface_weights(backbones["vgg16"], path)


@pytest.mark.parametrize("version,means", [(1, (93.5940, 104.7624, 129.1863)), (2, (91.4953, 103.8827, 131.0912))])
def test_preprocessing_is_bgr_minus_means(version, means):
    rgb = np.array([[[[10.0, 20.0, 30.0]]]], dtype="float32")
    out = np.asarray(FacePreprocess(version)(rgb))
    np.testing.assert_allclose(out[0, 0, 0], [30 - means[0], 20 - means[1], 10 - means[2]], rtol=1e-6)


def test_backbones_carry_their_preprocessing_version(backbones):
    assert backbones["vgg16"].get_layer("preprocess").version == 1
    assert backbones["senet50"].get_layer("preprocess").version == 2


def test_expected_age():
    probabilities = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.2, 0.3, 0.5]])
    np.testing.assert_allclose(expected_age(probabilities, [10, 20, 40]), [15, 40, 0.2 * 10 + 0.3 * 20 + 0.5 * 40])
    with pytest.raises(ValueError):
        expected_age(probabilities, [1, 2])


def test_head_shape_init_and_saved_label_space(tmp_path):
    model = build_age_model("vgg16", values=[0, 5, 69], kind="age", info={"backbone": "vgg16", "chain": "imdb"},
                            input_shape=(32, 32, 3), seed=1)
    assert [model.get_layer(n).units for n in ("fc1", "fc2", "age_softmax")] == [512, 256, 3]
    for name in ("fc1", "fc2", "age_softmax"):  # "Gaussian He initialization"
        assert isinstance(model.get_layer(name).kernel_initializer, keras.initializers.HeNormal)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    space = label_space_of(loaded)
    assert space.values == [0.0, 5.0, 69.0] and space.info["chain"] == "imdb"
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0), rtol=1e-5)
    assert loaded.get_layer("backbone").get_layer("preprocess").version == 1


# Thesis section 4 and keras-vggface: VGG16 = backbone 14,714,688 + dense 25,088 -> 512 (12,845,568)
# + 512 -> 256 (131,328) = 27,691,584, then 257 per output; ResNet50 / SENet50 = their notop
# backbones (23,561,152 / 26,092,144) with the softmax straight on the 2,048 pooled features.
@pytest.mark.parametrize("name,base,per_output", [("vgg16", 27_691_584, 257), ("resnet50", 23_561_152, 2_049),
                                                  ("senet50", 26_092_144, 2_049)])
def test_age_model_parameter_counts_are_the_thesis_layouts(name, base, per_output):
    size = 224 if name == "vgg16" else 32  # VGG16 flattens pool5 (7 x 7 x 512 at 224 px)
    for k in (63, 8):  # FG-NET's 63 ages, Adience's 8 groups
        model = build_age_model(name, values=list(range(k)), input_shape=(size, size, 3), seed=1)
        assert model.count_params() == base + per_output * k
        hidden = [layer.name for layer in model.layers if layer.name not in ("face", "backbone", "label_space")]
        assert hidden == (["flatten", "fc1", "fc2", "age_softmax"] if name == "vgg16" else ["avg_pool", "age_softmax"])
        keras.backend.clear_session()


@pytest.mark.parametrize("name", ["vgg16", "senet50"])
def test_cascade_step_keeps_every_layer_but_the_output_layer(tmp_path, name):
    from agecascade.start_models import initial_model

    parent = build_age_model(name, values=list(range(91)), input_shape=(32, 32, 3), seed=1)
    _randomise(parent, 3)
    path = tmp_path / "imdb.keras"
    parent.save(path)
    child = initial_model(name, path, list(range(63)), image_size=32, seed=7)
    carried = [layer for layer in child.layers if layer.weights and layer.name != "age_softmax"]
    assert [layer.name for layer in carried] == [layer.name for layer in parent.layers
                                                 if layer.weights and layer.name != "age_softmax"]
    for layer in carried:
        for mine, theirs in zip(layer.weights, parent.get_layer(layer.name).weights, strict=True):
            np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
        assert layer.trainable  # modes b and c fine-tune the full model
    output = child.get_layer("age_softmax")
    assert output.units == 63 and isinstance(output.kernel_initializer, keras.initializers.HeNormal)
    assert not np.allclose(np.asarray(output.kernel)[:, :3], np.asarray(parent.get_layer("age_softmax").kernel)[:, :3])


def test_transfer_to_a_group_label_space(backbones):
    model = build_age_model("resnet50", values=list(range(10)), input_shape=(32, 32, 3), seed=1)
    new = transfer(model, values=list(range(8)), names=[f"g{i}" for i in range(8)], kind="group")
    assert new.get_layer("age_softmax").units == 8
    assert new.get_layer("backbone") is model.get_layer("backbone")
    assert label_space_of(new).names[0] == "g0" and label_space_of(new).kind == "group"
