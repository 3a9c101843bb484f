"""The study's plan from the config, part by part: folds that do not exist stop the run at start;
every expected value comes from the config files, the thesis or DESIGN.md, not from the plan."""

import copy

import pytest
import yaml

from agecascade import config
from agecascade.plan.folds import benchmark_folds, check_folds
from agecascade.plan.study import Study


@pytest.fixture(scope="module")
def demo(repo):
    return config.load(repo / "config.yaml", repo / "config.demo.yaml")


@pytest.fixture(scope="module")
def paper(repo):
    return config.load(repo / "config.yaml")


def _w(**fields):
    return type("W", (), fields)()


@pytest.mark.parametrize("change,message", [
    ({"benchmarks": {"fgnet": {"run_folds": [99]}}},
     r"benchmarks.fgnet.run_folds: folds \[99\] do not exist; fgnet's folds are 1-10"),
    ({"benchmarks": {"fgnet": {"keep_models": [0]}}}, r"benchmarks.fgnet.keep_models: folds \[0\] do not exist"),
    ({"benchmarks": {"adience": {"run_folds": [5]}}},
     r"benchmarks.adience.run_folds: folds \[5\] do not exist; adience's folds are 0-4"),
    ({"benchmarks": {"fgnet": {"gridsearch_folds": [11]}}}, r"gridsearch_folds: folds \[11\]"),
    ({"regression": {"run_folds": [42]}}, r"regression.run_folds: folds \[42\] do not exist"),
    ({"figures": {"gradcam": {"fold": 99}}}, r"figures.gradcam.fold: fold 99 does not exist; FG-NET's folds are 1-10"),
    ({"figures": {"gradcam": {"fold": 2}}},
     r"figures.gradcam.fold 2 must be one of benchmarks.fgnet.keep_models \[1\]"),
])
def test_folds_that_do_not_exist_stop_the_run_naming_the_key(demo, change, message):
    with pytest.raises(ValueError, match=message):
        check_folds(config.deep_update(copy.deepcopy(demo), change))


def test_a_partial_run_says_what_it_leaves_out(demo):
    partial = config.deep_update(copy.deepcopy(demo), {"benchmarks": {"fgnet": {"run_folds": [2, 3]}}})
    assert benchmark_folds(partial, "fgnet") == [2, 3]
    assert benchmark_folds(partial, "fgnet", all_folds=True) == list(range(1, 11))
    (warning,) = check_folds(partial)
    assert "Figure 14 (Grad-CAM) is not planned" in warning


@pytest.mark.parametrize("change", [
    {"weights": {"vgg19": {"source": "file:x.h5"}}},
    {"training": {"chains": {"vgg19": ["imdb"]}}},
    {"training": {"stages": {"imdb": {"learning_rate": {"vgg19": 0.1}}}}},
    {"benchmarks": {"fgnet": {"variants": ["vgg19-imdb"]}}},
    {"benchmarks": {"unified": {"variants": ["vgg16-imagenet"]}}},
    {"regression": {"feature_sets": ["vgg16-faces2-keras2/last"]}},
    {"datasets": {"celeba": {"source": "file:x"}}},
    {"benchmarks": {"unified": {"datasets": ["adience"]}}},
])
def test_the_schema_refuses_a_backbone_variant_or_dataset_that_does_not_exist(paper, change):
    with pytest.raises(config.ConfigError):
        config.validate(config.deep_update(copy.deepcopy(paper), change))


def test_the_schema_takes_every_keras_vggface_backbone_and_thesis_dataset(paper):
    # keras-vggface publishes vgg16, resnet50 and senet50; the thesis uses IMDB, AgeDB, FG-NET, Adience
    change = {"weights": {b: {"source": f"file:{b}.h5"} for b in ("vgg16", "resnet50", "senet50")},
              "training": {"chains": {b: ["imdb", "imdb-agedb"] for b in ("vgg16", "resnet50", "senet50")}},
              "benchmarks": {"fgnet": {"variants": ["senet50-imdb-agedb", "resnet50-faces2-keras2"]}}}
    checked = config.validate(config.deep_update(copy.deepcopy(paper), change))
    assert set(checked["datasets"]) == {"imdb", "agedb", "fgnet", "adience"}
    # a dataset entry without a detector takes its descriptor's: FG-NET's pictures need MTCNN
    del checked["datasets"]["fgnet"]["detector"]
    assert config.validate(checked)["datasets"]["fgnet"]["detector"] == "mtcnn"


def test_folds_plan_jobs_inputs_and_predictions_from_the_config_alone(demo):
    study = Study(demo)
    # config.demo.yaml: FG-NET runs fold 1 and keeps its model (keep_models: [1])
    job = study.folds.kept["fgnet/vgg16-imdb/fold1"]
    assert job == {"benchmark": "fgnet", "variant": "vgg16-imdb", "fold": 1}
    kept = _w(kept="fgnet/vgg16-imdb/fold1")
    spec = study.folds.kept_job(kept)
    assert spec["record"] == {"image_size": 32, "margin": 0.4, "chain": "imdb", **job}
    assert spec["part"] == {"test_fold": 1} and spec["backbone"] == "vgg16"
    assert study.folds.kept_inputs(kept)["start"] == "results/models/vgg16/imdb.keras"
    assert spec["backup"] == "results/.resume/fgnet/vgg16-imdb/fold1"
    assert study.folds.job(_w(benchmark="fgnet", variant="vgg16-imdb", fold="1")) == spec
    variant = _w(benchmark="fgnet", variant="vgg16-imdb")
    assert study.folds.predictions(variant) == ["results/fgnet/vgg16-imdb/fold1/predictions.csv"]
    assert study.folds.evaluated_folds(variant) == [1]
    # a kept fold's dataset, and Adience's group names (thesis: eight groups, 0-2 ... 60-)
    assert study.folds.dataset("adience3") == "adience" and study.folds.dataset("fgnet/vgg16-imdb/fold1") == "fgnet"
    names = study.folds.class_names(_w(benchmark="adience"))
    assert len(names) == 8 and names[0] == "0-2"
    assert study.folds.class_names(_w(benchmark="fgnet")) is None


def test_data_stages_and_grid_plan_their_files(demo):
    study = Study(demo)
    assert study.data.split_manifest(_w(split="adience3")) == "resources/faces/adience.csv"
    assert study.data.split_manifest(_w(split="agedb")) == "resources/faces/agedb.csv"
    # the demo's AgeDB is synthetic: its archive and checksum are inputs of its download
    assert study.data.download_inputs(_w(dataset="agedb")) == {
        "archive": "resources/synthetic/agedb.tar.gz", "checksum": "resources/synthetic/agedb.tar.gz.sha256"}
    assert study.data.split_spec(_w(split="imdb"))["protocol"] == "train_val"
    stage = _w(backbone="vgg16", chain="imdb-agedb")
    assert study.stages.inputs(stage) == {"store": "resources/faces/agedb.h5", "split": "results/splits/agedb.csv",
                                          "labels": "results/splits/agedb.labels.json",
                                          "start": "results/models/vgg16/imdb.keras"}
    # a grid point is the stage's real training with its learning rate, batch size and epochs changed
    point = _w(backbone="vgg16", chain="imdb-agedb", lr="0.001", batch="16")
    grid_job = study.grid.stage_job(point)
    assert (grid_job["learning_rate"], grid_job["batch_size"]) == (0.001, 16)
    point_settings, stage_settings = grid_job["settings"], study.stages.job(stage)["settings"]
    point_fields = {"learning_rate": 0.001, "batch_size": 16, "epochs": demo["gridsearch"]["epochs"],
                    "patience": None, "keep": "last"}
    assert point_settings == {**stage_settings, **point_fields}
    assert study.grid_run_options.backup_interval_minutes == 0  # a grid point backs up after every epoch
    assert grid_job["workdir"] == "results/.resume/gridsearch/models/vgg16/imdb-agedb/lr0.001_bs16"
    grid = demo["gridsearch"]
    assert len(study.grid.stage_points(stage)) == len(grid["learning_rates"]) * len(grid["batch_sizes"])


def test_the_reports_make_the_demos_tables_and_figures(repo, demo):
    study = Study(demo)
    # config.demo.yaml runs FG-NET, Adience (5 groups and 3), the top-4 subjects and Table 5
    assert set(study.reports.table_paths()) == {"table4", "adience", "table6", "top4", "table5",
                                                "calibration", "groups"}
    for name in study.reports.table_paths():
        assert (repo / "report" / f"{name}.rst").is_file(), f"report/{name}.rst: the caption of table {name}"
    assert set(study.reports.figures()) == {
        "fig03_fgnet_faces", "fig04_adience_faces", "fig05_age_distribution", "fig06_adience_groups",
        "fig10_fgnet_faces2", "fig11_fgnet_finetuned", "fig12_regression", "fig13_top4_confusion",
        "unified_agedb_mae_by_age", "calibration_reliability", "groups_errors"}
    # thesis Figure 5: the age distributions of IMDB, AgeDB and FG-NET
    assert study.reports.figure_inputs(_w(figure="fig05_age_distribution")) == {
        d: f"resources/faces/{d}.csv" for d in ("imdb", "agedb", "fgnet")}
    assert study.reports.gradcam_models()["vgg16-imdb"] == "results/fgnet/vgg16-imdb/fold1/model.keras"
    caption = study.reports.figure_caption(_w(figure="fig10_fgnet_faces2"))
    assert "12.28" in caption  # Table 4: ResNet-50-Faces2 under Keras 2.2, beside the variant that ran it
    without_regression = config.deep_update(copy.deepcopy(demo), {"regression": {"feature_sets": []}})
    assert "table5" not in Study(without_regression).reports.table_paths()


# DESIGN.md, Resources: the rules that train, extract features or draw Grad-CAM run on a GPU
GPU_RULES = ("train_stage", "gridsearch_stage", "gridsearch_fold", "train_fold", "train_fold_kept", "train_unified",
             "extract_features", "gradcam")


def test_every_gpu_rule_declares_one_gpu_a_cpu_per_thread_memory_and_a_runtime(paper):
    study = Study(paper)
    for rule in GPU_RULES:
        declared = study.resources(rule)
        assert declared["gpu"] == 1 and declared["cpus_per_task"] == study.threads(rule) >= 1
        assert declared["mem_mb"] >= 8000 and declared["runtime"]
    runtime = {rule: study.resources(rule)["runtime"] for rule in ("train_stage", "train_fold", "train_unified")}
    # thesis: an IMDB stage took about 2 days per backbone, an AgeDB stage about 4 hours
    assert runtime["train_stage"](_w(chain="imdb")) >= 2 * 24 * 60
    assert 4 * 60 <= runtime["train_stage"](_w(chain="imdb-agedb")) < 2 * 24 * 60
    # an Adience fold trains on ~14 times FG-NET's faces: it must be granted longer
    assert runtime["train_fold"](_w(benchmark="adience")) > runtime["train_fold"](_w(benchmark="fgnet"))
    kept = study.resources("train_fold_kept")["runtime"](_w(kept="fgnet/vgg16-faces2/fold1"))
    assert kept == runtime["train_fold"](_w(benchmark="fgnet"))
    # a unified AgeDB split trains on 60 % of AgeDB and validates on 20 % every epoch (thesis AgeDB stage: 4 h)
    assert runtime["train_unified"](_w(dataset="agedb", variant="vgg16-imdb")) >= 4 * 60
    # the benchmark's recipe (50 epochs) and a dataset ten times AgeDB's size are granted longer
    benchmark = config.deep_update(copy.deepcopy(paper), {"benchmarks": {"unified": {"recipe": "benchmark"}}})
    longer = Study(benchmark).resources("train_unified")["runtime"]
    assert longer(_w(dataset="agedb", variant="vgg16-imdb")) > runtime["train_unified"](_w(dataset="agedb",
                                                                                          variant="vgg16-imdb"))
    assert longer(_w(dataset="afad", variant="vgg16-imdb")) > 9 * longer(_w(dataset="agedb", variant="vgg16-imdb"))
    # CPU rules: memory grows with the workers the config gives them (MTCNN workers hold TensorFlow)
    prepare = study.resources("prepare")["mem_mb"]
    assert prepare(_w(dataset="fgnet"), 4) > prepare(_w(dataset="imdb"), 4)


def test_the_slurm_profile_sends_every_gpu_rule_to_the_gpu_partition(repo):
    profile = yaml.safe_load((repo / "profiles/slurm/config.yaml").read_text())
    for rule in GPU_RULES:
        assert profile["set-resources"].get(rule, {}).get("slurm_partition") == "gpu", rule
    assert profile["default-resources"]["slurm_partition"] == "cpu"


def test_a_backbone_without_its_own_learning_rate_is_named(paper):
    from agecascade.plan.settings import per_backbone

    assert per_backbone(0.5, "toynet") == 0.5
    with pytest.raises(ValueError, match="has none for toynet: add toynet: <rate>"):
        per_backbone({"vgg16": 1e-4}, "toynet")


def test_settings_that_do_not_change_a_result_are_not_recorded(paper, tmp_path):
    from snakemake.persistence import UNREPRESENTABLE, PersistenceBase

    study = Study(paper)
    fold = _w(benchmark="fgnet", variant="vgg16-imdb", fold="3")
    changed = config.deep_update(copy.deepcopy(paper), {
        "training": {"backup_interval_minutes": 45, "require_gpu": False},
        "datasets": {"agedb": {"sha256": "0" * 64, "detector": "none", "protocol_sha256": "1" * 64}}})
    other = Study(changed)
    # what a training job records is the same; how it runs travels in an object Snakemake does not record
    assert other.folds.job(fold) == study.folds.job(fold)
    assert other.run_options.backup_interval_minutes == 45 and not other.run_options.require_gpu
    assert PersistenceBase._serialize_param_builtin(None, other.run_options) is UNREPRESENTABLE  # Snakemake's own rule
    # a dataset's download records its source only: checksums and preparation settings rerun nothing
    agedb = _w(dataset="agedb")
    assert other.data.dataset_spec(agedb) == study.data.dataset_spec(agedb)
    assert study.data.dataset_spec(agedb) == {"source": paper["datasets"]["agedb"]["source"]}
    assert other.data.database_spec(agedb) == study.data.database_spec(agedb)


def test_a_local_database_file_is_recorded_by_its_content(paper, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/AgeDB.json").write_text("[]")
    (tmp_path / "b.json").write_text("[]")

    def spec(location, checksum=None):
        changed = config.deep_update(copy.deepcopy(paper), {"datasets": {"agedb": {
            "protocol_file": location, "protocol_sha256": checksum}}})
        return Study(changed).data.database_spec(_w(dataset="agedb"))

    first = spec(f"file:{tmp_path / 'a/AgeDB.json'}")
    assert first == spec(str(tmp_path / "b.json")) == spec(str(tmp_path / "b.json"), "ab" * 32)  # moved, checked
    (tmp_path / "b.json").write_text('[{"img_path": "x.jpg"}]')
    assert spec(str(tmp_path / "b.json")) != first  # fixed in place: seen


def test_an_aligned_crop_runs_no_detector_and_asks_for_the_memory_of_none(paper):
    changed = config.deep_update(copy.deepcopy(paper), {"datasets": {
        "utkface": {"source": None, "protocol_file": "u.json", "benchmark_file": "u.yaml", "benchmark_splits": 5}}})
    config.validate(changed)
    spec = changed["datasets"]["utkface"]
    assert (spec["crop"], spec["detector"]) == ("aligned_bbox", "mtcnn")  # MTCNN only for `crop: margin`
    memory = Study(changed).resources("prepare")["mem_mb"]
    assert memory(_w(dataset="utkface"), 8) == memory(_w(dataset="imdb"), 8) < memory(_w(dataset="agedb"), 8)
