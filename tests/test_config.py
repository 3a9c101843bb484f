import copy

import pytest
import yaml

from agecascade import config


def test_paper_config_is_valid_and_carries_the_study_values(repo):
    cfg = config.load(repo / "config.yaml")
    assert cfg["image_size"] == 224 and cfg["margin"] == 0.4
    assert cfg["datasets"]["imdb"]["md5"] == "44b7548f288c14397cb7a7bab35ebe14"
    assert cfg["datasets"]["imdb"]["cleaning"] == {"min_face_score": 1.0, "min_age": 0, "max_age": 100}
    assert cfg["benchmarks"]["fgnet"]["subjects"] == 82
    assert cfg["regression"]["time_left_for_this_task"] == 12 * 3600 and cfg["regression"]["per_run_time_limit"] == 3600
    assert len(cfg["regression"]["feature_sets"]) == 5
    assert cfg["benchmarks"]["fgnet_top4"]["test_subjects"] == [2, 3, 4, 5]
    assert cfg["datasets"]["fgnet"]["no_face"] == "keep" and cfg["datasets"]["agedb"]["no_face"] == "drop"
    for name in ("agedb", "fgnet"):
        assert cfg["datasets"][name]["source"] is None and "request" in cfg["datasets"][name]


def test_demo_config_overrides_only_what_it_must(repo):
    demo = yaml.safe_load((repo / "config.demo.yaml").read_text())
    assert set(demo) <= {"image_size", "synthetic", "datasets", "benchmarks", "prepare", "training", "fold_training",
                         "regression"}
    cfg = config.load(repo / "config.yaml", repo / "config.demo.yaml")
    assert cfg["datasets"]["imdb"]["detector"] == "none"  # kept from config.yaml
    assert cfg["datasets"]["imdb"]["source"].startswith("file:")


def test_every_demo_override_has_a_reason(repo):
    """Each value set by config.demo.yaml has a comment on its line or above it in its block."""
    block_commented = previous_was_comment = False
    for line in (repo / "config.demo.yaml").read_text().splitlines():
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            previous_was_comment = True
            continue
        if not line.startswith(" "):  # a new top-level block: its reason is the comment above it
            block_commented = previous_was_comment
        elif previous_was_comment:
            block_commented = True
        previous_was_comment = False
        sets_value = not line.rstrip().endswith(":")
        assert not sets_value or block_commented or "#" in line, f"no reason given for: {line.strip()}"


@pytest.mark.parametrize(
    "path,value,message",
    [(("margin",), -1, "margin: -1 is less than the minimum of 0"),
     (("datasets", "imdb", "detectr"), "x", "datasets.imdb: unknown key"),
     (("datasets", "adience", "label_policy"), "lenient", "datasets.adience.label_policy: 'lenient' is not one of"),
     (("benchmarks", "fgnet", "subjects"), "82 people", "benchmarks.fgnet.subjects: '82 people' is not of type"),
     (("datasets", "fgnet", "md5"), "xyz", "datasets.fgnet.md5: 'xyz' does not match")],
)
def test_bad_keys_are_named(repo, path, value, message):
    cfg = config.load(repo / "config.yaml")
    bad = copy.deepcopy(cfg)
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(config.ConfigError) as error:
        config.validate(bad)
    assert message in str(error.value)


def test_defaults_are_filled():
    fit = {"epochs": 1, "batch_size": 1, "learning_rate": 0.1}
    cfg = {"datasets": {d: {"source": None} for d in ("imdb", "agedb", "fgnet", "adience")}, "benchmarks": {},
           "training": {"chains": {}, "stages": {}}, "fold_training": {"frozen": fit, "fgnet": fit, "adience": fit}}
    config.validate(cfg)
    assert cfg["training"]["init"] == "vggface" and cfg["gridsearch"]["enabled"] is False
    assert cfg["image_size"] == 224 and cfg["seed"] == 42 and cfg["prepare"]["threads"] == 4
    assert cfg["datasets"]["fgnet"]["min_confidence"] == 0.9
    # nested defaults: the thesis' auto-sklearn budget, Grad-CAM on the first kept fold
    assert cfg["regression"]["time_left_for_this_task"] == 43200 and cfg["regression"]["per_run_time_limit"] == 3600
    assert cfg["figures"]["gradcam"] == {"fold": 1, "faces": 3}


def test_package_defaults_come_from_the_schema(monkeypatch):
    import copy

    from agecascade import config as config_module
    from agecascade.config import schema_default
    from agecascade.data.prepare import PrepareOptions
    from agecascade.fit import FitSettings
    from agecascade.inference import DEFAULT_MARGIN

    assert (DEFAULT_MARGIN, PrepareOptions().margin, PrepareOptions().image_size) == (0.4, 0.4, 224)  # thesis
    changed = copy.deepcopy(config_module._schema())
    changed["properties"]["seed"]["default"] = 1234
    changed["properties"]["margin"]["default"] = 0.25
    changed["properties"]["training"]["properties"]["precision"]["default"] = "mixed_bfloat16"
    changed["definitions"]["dataset"]["properties"]["min_confidence"]["default"] = 0.5
    monkeypatch.setattr(config_module, "_schema", lambda: changed)
    settings = FitSettings(learning_rate=1e-4, batch_size=1, epochs=1)
    assert (settings.seed, settings.precision) == (1234, "mixed_bfloat16")  # no default of its own
    options = PrepareOptions()
    assert (options.margin, options.min_confidence) == (0.25, 0.5)
    with pytest.raises(KeyError, match="has no default"):
        schema_default("training", "chains")


def test_nested_values_given_as_strings_are_read_as_the_schema_wants(repo):
    # Snakemake's --config hands nested values over as strings: 'benchmarks={fgnet: {subjects: 82}}'
    cfg = config.load(repo / "config.yaml")
    given = copy.deepcopy(cfg)
    given["benchmarks"]["fgnet"].update({"subjects": "82", "run_folds": ["1", "2"]})
    given["gridsearch"]["enabled"] = "true"
    given["training"].update({"jit_compile": "False", "backup_interval_minutes": "2.5"})
    given["fold_training"]["fgnet"]["learning_rate"] = {"vgg16": "1e-4", "resnet50": "0.001", "senet50": "0.01"}
    given["figures"]["fgnet_subject"] = "null"
    checked = config.validate(given)
    assert checked["benchmarks"]["fgnet"]["subjects"] == 82 and checked["benchmarks"]["fgnet"]["run_folds"] == [1, 2]
    assert checked["gridsearch"]["enabled"] is True and checked["training"]["jit_compile"] is False
    assert checked["training"]["backup_interval_minutes"] == 2.5
    assert checked["fold_training"]["fgnet"]["learning_rate"]["vgg16"] == 0.0001
    assert checked["figures"]["fgnet_subject"] is None
    assert checked["datasets"]["imdb"]["md5"] == cfg["datasets"]["imdb"]["md5"]  # strings the schema wants stay


def test_a_key_written_twice_in_a_config_file_is_an_error(tmp_path):
    (tmp_path / "twice.yaml").write_text("seed: 1\ntraining:\n  keep: last\n  keep: best_val_mae\n")
    with pytest.raises(config.ConfigError, match=r"twice.yaml: the key 'keep' is written twice \(lines 3 and 4\)"):
        config.load(tmp_path / "twice.yaml")
