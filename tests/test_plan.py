"""The study's plan from the config: folds that do not exist stop the run at start."""

import copy

import pytest

from agecascade import config, plan


@pytest.fixture(scope="module")
def demo(repo):
    return config.load(repo / "config.yaml", repo / "config.demo.yaml")


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
        plan.check_folds(config.deep_update(copy.deepcopy(demo), change))


def test_a_partial_run_says_what_it_leaves_out(demo):
    assert plan.check_folds(demo) == []
    partial = config.deep_update(copy.deepcopy(demo), {"benchmarks": {"fgnet": {"run_folds": [2, 3]}}})
    assert plan.benchmark_folds(partial, "fgnet") == [2, 3]
    assert plan.benchmark_folds(partial, "fgnet", all_folds=True) == list(range(1, 11))
    (warning,) = plan.check_folds(partial)
    assert "Figure 14 (Grad-CAM) is not planned" in warning


def test_the_schema_spells_the_vocabulary(repo):
    import yaml

    from agecascade import vocabulary

    patterns = [line.split("pattern: ")[1].split('"')[1] for line in
                (repo / "schemas/config.schema.yaml").read_text().splitlines() if "pattern: \"^(vgg16" in line]
    # benchmark variants, unified-benchmark variants, feature sets
    assert patterns == [f"^{vocabulary.VARIANT_PATTERN}$", f"^{vocabulary.VARIANT_PATTERN}$",
                        f"^{vocabulary.EXTRACTOR_PATTERN}/({vocabulary.alternatives(vocabulary.LAYERS)})$"]
    schema = yaml.safe_load((repo / "schemas/config.schema.yaml").read_text())
    assert set(schema["properties"]["datasets"]["required"]) <= set(vocabulary.DATASETS)


def test_the_study_plans_from_the_config_alone(demo):
    study = plan.Study(demo)
    # kept folds are looked up, never parsed back from their path
    job = study.kept["fgnet/vgg16-imdb/fold1"]
    assert job == {"benchmark": "fgnet", "variant": "vgg16-imdb", "fold": 1}
    wildcards = type("W", (), {"kept": "fgnet/vgg16-imdb/fold1"})()
    spec = study.kept_fold_job(wildcards)
    assert spec["record"] == {"image_size": demo["image_size"], "margin": demo["margin"], "chain": "imdb", **job}
    assert spec["part"] == {"test_fold": 1} and spec["backbone"] == "vgg16"
    assert study.kept_fold_inputs(wildcards)["start"] == "results/models/vgg16/imdb.keras"
    assert spec["backup"] == "results/.resume/fgnet/vgg16-imdb/fold1"
    same = type("W", (), {"benchmark": "fgnet", "variant": "vgg16-imdb", "fold": "1"})()
    assert study.fold_job(same) == spec  # the kept and the plain rule train the same job
    # evaluation gets fold numbers beside their files, in the same order
    wildcards = type("W", (), {"benchmark": "fgnet", "variant": "vgg16-imdb"})()
    assert study.fold_predictions(wildcards) == [f"results/fgnet/vgg16-imdb/fold{k}/predictions.csv"
                                                 for k in study.evaluated_folds(wildcards)]
    # the tables read structured results; every table the config makes is an output
    results = study.table_results()
    assert {"experiment", "row", "metrics"} <= set(results[0])
    assert set(study.table_paths()) == {"table4", "adience", "table6", "top4", "table5"}
    assert set(study.table_inputs()) >= {r["metrics"] for r in results}


def test_every_gpu_rule_declares_one_gpu_a_cpu_per_thread_memory_and_a_runtime(demo):
    from agecascade.plan import resources

    study = plan.Study(demo)
    stage = type("W", (), {"backbone": "vgg16", "chain": "imdb"})()
    fold = type("W", (), {"benchmark": "adience", "variant": "vgg16-imdb", "fold": "0"})()
    for rule in resources.GPU_JOBS:
        declared = study.resources(rule)
        assert declared["gpu"] == 1 and declared["cpus_per_task"] == study.threads(rule) >= 1
        assert declared["mem_mb"] >= 8000 and declared["runtime"]
    assert study.resources("train_stage")["runtime"](stage) == 3 * 24 * 60  # thesis: IMDB about 2 days
    assert study.resources("train_fold")["runtime"](fold) == 240  # Adience folds take longest
    kept = type("W", (), {"kept": "fgnet/vgg16-imdb/fold1"})()
    assert study.resources("train_fold_kept")["runtime"](kept) == 120
    # CPU rules: memory grows with the workers the config gives them
    prepare = study.resources("prepare")["mem_mb"]
    assert prepare(type("W", (), {"dataset": "fgnet"})(), 4) > prepare(type("W", (), {"dataset": "imdb"})(), 4)


def test_every_registered_table_has_a_report_caption_and_every_figure_one_caption(repo, demo):
    from agecascade.figures import FIGURES, caption
    from agecascade.tables import TABLES

    study = plan.Study(demo)
    assert set(study.table_paths()) <= set(TABLES)
    for name in TABLES:
        assert (repo / "report" / f"{name}.rst").is_file(), f"report/{name}.rst: the caption of table {name}"
    drawn = study.figures()
    assert set(drawn) <= set(FIGURES) and "fig10_fgnet_faces2" in drawn
    for name, inputs in drawn.items():
        assert caption(name, inputs).startswith(("Thesis Figure", "The unified benchmark (Paplham"))
    # Figure 10 quotes the thesis' MAE beside the variant that ran its software (Table 4)
    assert "12.28" in caption("fig10_fgnet_faces2", {"resnet50-faces2-keras2": "x"})


def test_the_slurm_profile_sends_every_gpu_rule_to_the_gpu_partition(repo):
    import yaml

    from agecascade.plan import resources

    profile = yaml.safe_load((repo / "profiles/slurm/config.yaml").read_text())
    for rule in resources.GPU_JOBS:
        assert profile["set-resources"].get(rule, {}).get("slurm_partition") == "gpu", rule
    assert profile["default-resources"]["slurm_partition"] == "cpu"
