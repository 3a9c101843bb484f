"""The unified benchmark as a benchmark (`benchmarks.unified`): its jobs from the config, the
training of one split with its cross-dataset tests, its metrics for three decision rules worked
out by hand, and its table beside the published numbers."""

import copy
import json

import numpy as np
import pandas as pd
import pytest

from agecascade import config
from agecascade.plan.study import Study
from agecascade.plan import settings
from agecascade.unified_results import evaluate_unified, mae_by_age, unified_table


@pytest.fixture(scope="module")
def paper(repo):
    return config.load(repo / "config.yaml")


def _w(**fields):
    return type("W", (), fields)()


def test_the_paper_config_plans_a_job_per_dataset_variant_and_split(paper):
    study = Study(paper)
    unified = study.unified
    assert unified.targets == ["agedb"] and unified.cross_tests("agedb") == ["fgnet"]
    jobs = unified.jobs()
    assert len(jobs) == 6 * 5  # the thesis' six variants that never saw AgeDB x the benchmark's 5 splits
    assert {j["protocol_split"] for j in jobs} == {0, 1, 2, 3, 4}
    job = unified.train_job(_w(dataset="agedb", variant="resnet50-imdb", protocol_split="3"))
    assert job["part"] == {"protocol_split": 3} and job["cross_tests"] == ["fgnet"]
    assert job["backup"] == "results/.resume/unified/agedb/resnet50-imdb/split3"
    assert job["record"]["benchmark"] == "unified" and job["record"]["split"] == 3
    inputs = unified.train_inputs(_w(dataset="agedb", variant="resnet50-imdb", protocol_split="3"))
    assert inputs["split"] == "results/splits/agedb_unified.csv"
    assert inputs["protocol"] == "results/splits/agedb_unified.protocol.json"  # the cross tests' folders
    assert inputs["start"] == "results/models/resnet50/imdb.keras"
    assert inputs["fgnet_store"] == "resources/faces/fgnet.h5"
    assert inputs["fgnet_split"] == "results/splits/fgnet_unified.csv"
    # the thesis' fold benchmarks are untouched: "unified" is no fold benchmark
    assert "unified" not in study.folds.benchmarks and "unified" not in study.data.splits
    assert unified.tables() == {"agedb": "results/tables/unified_agedb.csv"}


@pytest.mark.parametrize("change,planned,warning", [
    ({"variants": ["vgg16-imdb", "vgg16-imdb-agedb"]}, 5, "vgg16-imdb-agedb is not planned on agedb"),
    ({"run_splits": [1, 3]}, 6 * 2, None),
])
def test_a_variant_that_saw_the_dataset_is_left_out_and_partial_runs_take_some_splits(paper, change, planned, warning):
    changed = config.deep_update(copy.deepcopy(paper), {"benchmarks": {"unified": change}})
    unified = Study(changed).unified
    assert len(unified.jobs()) == planned
    assert (warning in " ".join(unified.warnings())) if warning else unified.warnings() == []


@pytest.mark.parametrize("unset", [("benchmark_file",), ("protocol_file", "benchmark_file")])
def test_without_a_database_or_benchmark_file_nothing_is_planned_and_the_start_up_says_why(paper, unset):
    changed = config.deep_update(copy.deepcopy(paper), {"datasets": {"agedb": dict.fromkeys(unset)}})
    unified = Study(changed).unified
    assert unified.jobs() == [] and unified.tables() == {}
    assert unified.warnings() == ["benchmarks.unified: agedb has no database file and benchmark file "
                                  "(datasets.agedb.protocol_file, benchmark_file): not planned."]


def test_a_benchmark_file_needs_its_database_file_and_its_split_count(paper):
    for unset in ("protocol_file", "benchmark_splits"):
        changed = config.deep_update(copy.deepcopy(paper), {"datasets": {"agedb": {unset: None}}})
        with pytest.raises(config.ConfigError, match=f"datasets.agedb.{unset}: None is not of type"):
            config.validate(changed)


def test_the_split_count_comes_from_the_config_and_a_fetched_file_that_disagrees_is_named(paper, tmp_path,
                                                                                         monkeypatch):
    changed = config.deep_update(copy.deepcopy(paper), {"datasets": {"agedb": {"benchmark_splits": 2}}})
    assert {j["protocol_split"] for j in Study(changed).unified.jobs()} == {0, 1}
    monkeypatch.chdir(tmp_path)  # a benchmark file already fetched: its unconfigured entries are listed
    (tmp_path / "resources/protocols").mkdir(parents=True)
    splits = "  - trn: [0]\n    val: [1]\n    tst: [2]\n"
    (tmp_path / "resources/protocols/agedb.benchmark.yaml").write_text(
        f"- tag: AgeDB\n  split:\n{splits * 2}- tag: MORPH\n  split:\n" + "  - {trn: [], val: [], tst: [0]}\n" * 2)
    assert "agedb's benchmark file tests MORPH, not configured here: skipped." in " ".join(
        Study(changed).unified.warnings())
    assert "has 2 splits; the config says 5" in " ".join(Study(paper).unified.warnings())


def test_each_mode_trains_as_the_thesis_trains_it_and_keeps_the_best_validation_epoch(paper):
    frozen = settings.unified_settings(paper, "agedb", "senet50-faces2-keras2")
    stage = settings.unified_settings(paper, "agedb", "vgg16-imdb")
    # mode a: the head, as on the folds (thesis: 20 epochs, lr 0.001, batch 48)
    assert (frozen["epochs"], frozen["learning_rate"], frozen["batch_size"], frozen["frozen"]) == (20, 0.001, 48, True)
    assert frozen["frozen_batchnorm"] == "batch_statistics"
    # modes b/c: the whole network, as the cascade trains on AgeDB (30 epochs, batch 32, lr 1e-4, patience 3)
    assert (stage["epochs"], stage["learning_rate"], stage["batch_size"], stage["patience"]) == (30, 1e-4, 32, 3)
    assert stage["frozen"] is False and stage["monitor"] == "val_loss"
    assert frozen["keep"] == stage["keep"] == "best_val_median_mae"  # the benchmark's model selection
    # the benchmark's recipe: the whole network for every variant, Adam 1e-4 constant, batch 100, 50 epochs,
    # random crops (80-100 % of the area) and flips only
    recipe = config.deep_update(copy.deepcopy(paper), {"benchmarks": {"unified": {"recipe": "benchmark"}}})
    theirs = settings.unified_settings(recipe, "agedb", "vgg16-faces2")
    assert (theirs["learning_rate"], theirs["batch_size"], theirs["epochs"]) == (1e-4, 100, 50)
    assert theirs["frozen"] is False and theirs["patience"] is None and theirs["keep"] == "best_val_median_mae"
    assert theirs["augment"] == {"rotation": 0, "shift": 0, "crop": 0.1, "flip": True}
    # one number of epochs for every job, when the config gives one
    longer = config.deep_update(copy.deepcopy(paper), {"benchmarks": {"unified": {"epochs": 50}}})
    assert settings.unified_settings(longer, "agedb", "vgg16-imdb")["epochs"] == 50
    assert settings.unified_settings(longer, "agedb", "vgg16-faces2")["epochs"] == 50


def _predictions(tested_on, true, probabilities, values=(10, 20, 30)):
    probabilities = np.asarray(probabilities, dtype=float)
    frame = pd.DataFrame({"true": true, "expected": probabilities @ np.asarray(values, dtype=float),
                          "median": [values[int(np.searchsorted(np.cumsum(p), 0.5))] for p in probabilities],
                          "predicted_class": probabilities.argmax(axis=1), "tested_on": tested_on})
    frame["predicted"] = np.asarray(values)[frame["predicted_class"]]
    for j, v in enumerate(values):
        frame[f"p_{v}"] = probabilities[:, j]
    return frame


def test_three_rules_per_split_then_mean_and_std_over_splits_worked_out_by_hand(tmp_path):
    # ages 10/20/30; split 0: a face of 10 with p = (0.6, 0.1, 0.3): expected 17, median 10, argmax 10
    # split 1: a face of 30 with p = (0.2, 0.3, 0.5): expected 23, median 20 (cumulative 0.5 at 20), argmax 30
    (tmp_path / "s0.csv").write_text(_predictions(["agedb", "fgnet"], [10, 20],
                                                  [[0.6, 0.1, 0.3], [0, 1, 0]]).to_csv(index=False))
    (tmp_path / "s1.csv").write_text(_predictions(["agedb", "fgnet"], [30, 20],
                                                  [[0.2, 0.3, 0.5], [0, 0, 1]]).to_csv(index=False))
    split = pd.DataFrame({"label": [10, 30, 20, 50], "split0": ["trn", "trn", "tst", "val"],
                          "split1": ["tst", "trn", "trn", "val"]})
    split.to_csv(tmp_path / "split.csv", index=False)
    metrics = evaluate_unified({0: tmp_path / "s0.csv", 1: tmp_path / "s1.csv"}, tmp_path / "split.csv",
                               tmp_path / "m.csv", tmp_path / "by_age.csv").set_index(["split", "tested_on"])
    rules = ["mae_expected", "mae_median", "mae_argmax"]
    assert metrics.loc[("0", "agedb"), rules].tolist() == pytest.approx([7, 0, 0])
    assert metrics.loc[("1", "agedb"), rules].tolist() == pytest.approx([7, 10, 0])
    assert metrics.loc[("mean", "agedb"), rules].tolist() == pytest.approx([7, 5, 0])
    # the benchmark's std over splits is numpy's default, ddof 0: (0, 10) -> 5 (ddof 1 would give 7.07)
    assert metrics.loc[("std", "agedb"), "mae_median"] == pytest.approx(5)
    assert metrics.loc[("std", "agedb"), "splits"] == 2
    # the training mean: split 0 trains on ages 10 and 30 (mean 20), split 1 on 30 and 20 (25)
    assert metrics.loc[("0", "agedb"), "mean_predictor_mae"] == pytest.approx(10)
    assert metrics.loc[("1", "agedb"), "mean_predictor_mae"] == pytest.approx(5)
    assert metrics.loc[("mean", "fgnet"), "mae_expected"] == pytest.approx(5)  # 0 and |30 - 20|
    assert metrics.loc[("mean", "fgnet"), "splits"] == 2
    # CS(5) of the posterior median (the benchmark's): split 0's AgeDB face is predicted 10 by the median
    # (error 0, within 5) but 17 by the expected value (error 7): cs5 1, cs5_expected 0
    assert metrics.loc[("0", "agedb"), ["cs5", "cs5_expected"]].tolist() == [1, 0]
    # split 1's: median 20 (error 10), expected 23 (error 7): neither within 5
    assert metrics.loc[("1", "agedb"), ["cs5", "cs5_expected"]].tolist() == [0, 0]


def test_mae_by_true_age_bins_five_years_and_pools_the_splits():
    frame = pd.concat([_predictions("agedb", [10, 12], [[1, 0, 0], [0, 1, 0]]),
                       _predictions("agedb", [31], [[0, 0, 1]])])
    table = mae_by_age(frame).set_index("age_from")
    assert list(table.index) == [10, 30] and table.loc[10, "age_to"] == 14
    assert table.loc[10, "mae_expected"] == pytest.approx((0 + 8) / 2) and table.loc[10, "n"] == 2
    assert table.loc[30, "mae_median"] == pytest.approx(1)


def test_the_table_keeps_published_numbers_out_of_the_measured_columns(tmp_path):
    (tmp_path / "s0.csv").write_text(_predictions(["agedb", "fgnet"], [10, 20], [[1, 0, 0], [0, 1, 0]])
                                     .to_csv(index=False))
    pd.DataFrame({"label": [10, 20], "split0": ["trn", "tst"]}).to_csv(tmp_path / "split.csv", index=False)
    evaluate_unified({0: tmp_path / "s0.csv"}, tmp_path / "split.csv", tmp_path / "m.csv", tmp_path / "b.csv")
    contexts = {"agedb": {"crop": "margin", "recipe": "thesis", "image_size": 224, "tag": "agedb"}}
    table = unified_table("agedb", {"agedb/vgg16-imdb": tmp_path / "m.csv"}, contexts)
    measured, literature = table[table["source"] == "measured"], table[table["source"] == "literature"]
    assert list(measured["protocol"]) == ["intra-dataset", "cross-dataset"]
    assert measured["published_mae"].isna().all() and literature["mae_median"].isna().all()
    # the benchmark's AgeDB column as its repository's results table gives it (IMDB-pretrained ResNet-50)
    assert dict(zip(literature["model"], literature["published_mae"])) == {
        "cross-entropy": 5.81, "regression": 6.23, "OR-CNN": 5.78, "DLDL": 5.80, "Mean-Variance": 5.85,
        "SORD": 5.81, "DLDL-v2": 5.80, "Unimodal": 5.90, "FaRL + MLP": 5.64}
    assert (measured["mae_median_std"] == 0).all()  # one split: ddof 0 gives 0, beside `splits` 1
    assert (measured["splits"] == "1").all()


@pytest.mark.integration  # trains a small network for 2 epochs: ~20 s
def test_a_split_trains_on_trn_selects_on_val_and_tests_on_tst_and_other_datasets_whole(store, tmp_path):
    from agecascade.fit import FitSettings
    from agecascade.training import TestSet, TrainingData, TrainingJob, TrainingOutputs, run_training
    from agecascade.data.folds import Part

    table = pd.read_csv(store / "split.csv")[["index", "subject", "label"]]
    table["folder"] = table["subject"].str[1:].astype(int) % 10
    train, val, test = (4, 5, 6, 7, 8, 9), (0, 1), (2, 3)  # split 2 of the reference's table
    table["split2"] = table["folder"].map({**dict.fromkeys(train, "trn"), **dict.fromkeys(val, "val"),
                                           **dict.fromkeys(test, "tst")})
    table.to_csv(tmp_path / "agedb_unified.csv", index=False)
    other = table.assign(folder=[1] * 10 + [2] * (len(table) - 10), split0="tst").iloc[:14]  # a test-only dataset
    other.to_csv(tmp_path / "fgnet_unified.csv", index=False)
    # the training dataset's benchmark file names FG-NET's folder 1 for every split (its folder 2 stays out)
    (tmp_path / "protocol.json").write_text(json.dumps({"cross_tests": {"fgnet": [[1]] * 5}}))
    settings = FitSettings(learning_rate=1e-3, batch_size=16, epochs=2, patience=None, seed=3,
                           keep="best_val_median_mae")
    data = TrainingData(str(store / "faces.h5"), str(tmp_path / "agedb_unified.csv"), str(store / "labels.json"),
                        Part(protocol_split=2),
                        cross_tests=(TestSet("fgnet", str(store / "faces.h5"), str(tmp_path / "fgnet_unified.csv")),),
                        protocol=str(tmp_path / "protocol.json"))
    outputs = TrainingOutputs(str(tmp_path / "backup"), str(tmp_path / "history.csv"),
                              predictions=str(tmp_path / "predictions.csv"))
    record = {"image_size": 32, "margin": 0.4, "benchmark": "unified", "dataset": "agedb", "variant": "vgg16-imdb",
              "split": 2}
    job = TrainingJob("vgg16", data, settings, outputs, record)
    assert job.describe() == "unified agedb vgg16-imdb split 2"
    result = run_training(job)
    predictions = pd.read_csv(tmp_path / "predictions.csv")
    tested = predictions.groupby("tested_on")["index"].apply(set)
    assert tested["agedb"] == set(table.loc[table["split2"] == "tst", "index"])
    assert tested["fgnet"] == set(range(10))
    assert result.train_faces == (table["split2"] == "trn").sum()
    assert result.val_faces == (table["split2"] == "val").sum()
    assert {"expected", "median", "predicted"} <= set(predictions.columns)


@pytest.mark.parametrize("tag,column", [("afad", 3.14), ("cacd2000", 3.96), ("clap2016", 4.49), ("morph", 2.81),
                                        ("utkface", 4.38)])
def test_every_published_dataset_has_its_rows_with_their_source(tag, column):
    from agecascade.unified_results import published

    rows = published(tag)
    assert rows["cross-entropy"] == column  # the reference's results table, cross-entropy row
    assert len(rows) == 9 and published("fgnet") == {}


@pytest.mark.parametrize("variant,crop,recipe,comparable", [
    ("resnet50-imdb", "aligned_bbox", "benchmark", "closest to cross-entropy"),
    ("resnet50-imdb", "margin", "benchmark", "no"),
    ("resnet50-imdb", "aligned_bbox", "thesis", "no"),
    ("vgg16-imdb", "aligned_bbox", "benchmark", "no"),
    ("resnet50-faces2", "aligned_bbox", "benchmark", "no"),
])
def test_a_row_is_marked_comparable_only_with_their_backbone_pretraining_crop_and_recipe(
        tmp_path, variant, crop, recipe, comparable):
    (tmp_path / "s0.csv").write_text(_predictions(["agedb"], [10], [[1, 0, 0]]).to_csv(index=False))
    pd.DataFrame({"label": [10, 20], "split0": ["trn", "tst"]}).to_csv(tmp_path / "split.csv", index=False)
    evaluate_unified({0: tmp_path / "s0.csv"}, tmp_path / "split.csv", tmp_path / "m.csv", tmp_path / "b.csv")
    contexts = {"agedb": {"crop": crop, "recipe": recipe, "image_size": 224, "tag": "agedb"}}
    row = unified_table("agedb", {f"agedb/{variant}": tmp_path / "m.csv"}, contexts).iloc[0]
    assert (row["comparable"], row["crop"], row["recipe"], row["input_size"]) == (comparable, crop, recipe, 224)
    assert "input 224 px" in row["differences"]  # theirs: 256 px; ours: the study's image_size


def test_the_cross_dataset_matrix_has_a_row_per_trained_model_and_a_column_per_test_set(tmp_path):
    from agecascade.unified_results import cross_matrix

    (tmp_path / "s0.csv").write_text(_predictions(["agedb", "fgnet"], [10, 30], [[1, 0, 0], [0, 1, 0]])
                                     .to_csv(index=False))
    pd.DataFrame({"label": [10, 20], "split0": ["trn", "tst"]}).to_csv(tmp_path / "split.csv", index=False)
    evaluate_unified({0: tmp_path / "s0.csv"}, tmp_path / "split.csv", tmp_path / "m.csv", tmp_path / "b.csv")
    matrix = cross_matrix({"agedb/vgg16-imdb": tmp_path / "m.csv"})
    assert matrix.to_dict("records") == [{"model": "vgg16-imdb", "trained_on": "agedb", "agedb": 0.0,
                                          "fgnet": 10.0}]


def test_the_authors_layer_plans_every_dataset_from_its_split_count_and_crosses_tests_by_crop(repo):
    layered = config.load(repo / "config.yaml", repo / "config.unified.yaml")
    unified = Study(layered).unified
    jobs = pd.DataFrame(unified.jobs())
    per_dataset = jobs.groupby("dataset")["protocol_split"].nunique().to_dict()
    # five splits where the benchmark files have five, one for CLAP2016's and CACD2000's official parts
    assert per_dataset == {"agedb": 5, "agedb_aligned": 5, "utkface": 5, "afad": 5, "morph": 5, "cacd2000": 1,
                           "clap2016": 1}
    assert len(jobs) == 6 * (5 * 5 + 2) == 162
    # a model trained on the aligned AgeDB is tested on the aligned FG-NET, never on AgeDB's other crop
    assert unified.cross_tests("agedb_aligned") == ["fgnet_aligned", "utkface", "afad", "morph", "cacd2000",
                                                    "clap2016"]
    assert "agedb_aligned" not in unified.cross_tests("agedb") and "fgnet" in unified.cross_tests("agedb")
    # one table per dataset's pictures: AgeDB's holds both crops
    assert unified.table_groups()["agedb"] == ["agedb", "agedb_aligned"]
    assert settings.unified_settings(layered, "afad", "resnet50-imdb")["batch_size"] == 100  # their recipe
