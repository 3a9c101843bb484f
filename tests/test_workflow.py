"""The workflow as users run it: dry runs on the paper config, and the demo's data stage."""

import json
import re
import subprocess
import sys
from pathlib import Path

import h5py
import pandas as pd
import pytest

pytestmark = pytest.mark.integration

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def snakemake(repo: Path, workdir: Path, *args: str, configs=("config.yaml",)) -> subprocess.CompletedProcess:
    command = [*SNAKEMAKE, "-s", str(repo / "Snakefile"), "-d", str(workdir), *args,
               "--configfile", *[str(repo / c) for c in configs]]  # last: it takes every word after it
    return subprocess.run(command, capture_output=True, text=True, cwd=workdir)


def job_counts(output: str) -> dict[str, int]:
    counts, in_table = {}, False
    for line in output.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
        elif in_table and parts and parts[0] == "total":
            break
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


@pytest.fixture(scope="module")
def paper_plan(repo, tmp_path_factory) -> str:
    """`snakemake -n` of the whole study on config.yaml, before any data exists (one run, ~15 s).

    --cores 8: locally a job gets at most --cores threads (and memory with them); on SLURM its own.
    """
    result = snakemake(repo, tmp_path_factory.mktemp("plan"), "-n", "--cores", "8")
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def _resources(plan: str, rule: str, target: str) -> tuple[str, str]:
    """(resources line, whole block) of the job of `rule` whose output is `target`."""
    for block in plan.split("\n\n"):
        if f"rule {rule}:" in block and target in block:
            line = next(line for line in block.splitlines() if line.strip().startswith("resources:"))
            return line, block
    raise AssertionError(f"no {rule} job for {target} in the plan")


def test_dry_run_of_the_paper_config_shows_the_whole_study_without_any_data(paper_plan):
    counts = job_counts(paper_plan)
    assert counts["download"] == 4 and counts["prepare"] == 4 and counts["download_weights"] == 3
    assert counts["splits"] == 6  # imdb, agedb, fgnet, fgnet_top4, adience, adience3
    assert "synthetic_dataset" not in counts  # real sources: nothing synthetic
    assert counts["train_stage"] == 4  # vgg16 imdb + imdb-agedb, resnet50 imdb, senet50 imdb
    # Table 4's 7 variants and the 2 Keras-2 batch-norm rows x 82 FG-NET folds (fold 1 of each kept
    # for Grad-CAM), 5 Adience, 1 adience3, 1 fgnet_top4: 581 + 164 = 745
    assert counts["train_fold"] + counts["train_fold_kept"] == 9 * 82 + 5 + 1 + 1 == 745
    assert counts["train_fold_kept"] == 9
    assert counts["evaluate"] == 9 + 3
    # Table 5: 2 extractors x their layers, one auto-sklearn job per (feature set, FG-NET fold)
    assert counts["extract_features"] == 5 and counts["regress_fold"] == 5 * 82
    assert counts["evaluate_regression"] == 5
    # thesis Figures 3-13, the unified MAE by age, interval coverage (reliability) and errors per age group
    assert counts["figure"] == 11 and counts["gradcam"] == 1
    # the unified benchmark: 6 variants (vgg16-imdb-agedb saw all of AgeDB) x 5 splits of AgeDB,
    # tested on AgeDB's test folders and on all of FG-NET; the database files are two more downloads
    assert counts["train_unified"] == 6 * 5 and counts["evaluate_unified"] == 6 and counts["unified_table"] == 1
    assert counts["download_protocol"] == 2 and counts["unified_split"] == 2
    # AgeDB's benchmark file (its splits and cross tests) and the cross-dataset matrix
    assert counts["download_benchmark"] == 1 and counts["unified_cross_table"] == 1
    assert sum(counts.values()) == 1210 + 2 + 2 + 30 + 6 + 1 + 1 + 2 + 2


def test_regression_jobs_declare_cpu_threads_memory_and_runtime(paper_plan):
    resources, block = _resources(paper_plan, "regress_fold", "results/regression/vgg16-imdb-agedb-flat/fold7.csv")
    assert "gpu" not in resources  # a CPU job
    for resource in ("mem_mb=36000", "runtime=750"):  # 4 x 8000 + 4000 MB; 12 h budget + 30 min
        assert resource in resources
    assert "threads: 4" in block
    resources, _ = _resources(paper_plan, "extract_features", "results/features/vgg16-faces2/first.h5")
    assert "gpu=1" in resources


def test_every_fold_job_declares_gpu_cpus_memory_and_runtime(paper_plan):
    resources, _ = _resources(paper_plan, "train_fold", "results/fgnet/senet50-imdb/fold40/predictions.csv")
    for resource in ("gpu=1", "cpus_per_task=4", "mem_mb=16000", "runtime=120"):
        assert resource in resources
    target = "results/unified/agedb/vgg16-faces2/split3/predictions.csv"
    resources, block = _resources(paper_plan, "train_unified", target)
    # mode a under the thesis' recipe: 20 epochs of AgeDB at the thesis' pace x 1.5, plus 30 minutes
    for resource in ("gpu=1", "cpus_per_task=8", "mem_mb=32000", "runtime=270"):
        assert resource in resources
    for needed in ("results/splits/agedb_unified.csv", "results/splits/fgnet_unified.csv", "resources/faces/fgnet.h5"):
        assert needed in block


def test_enabled_grid_search_plans_the_thesis_grid_for_every_stage_and_variant(repo, tmp_path):
    (tmp_path / "grid.yaml").write_text("gridsearch:\n  enabled: true\n")
    result = snakemake(repo, tmp_path, "-n", "--cores", "8", configs=("config.yaml", str(tmp_path / "grid.yaml")))
    output = result.stdout + result.stderr
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(output)
    grid = 4 * 4  # learning rates x batch sizes
    assert counts["gridsearch_stage"] == 4 * grid and counts["gridsearch_stage_choice"] == 4
    # 9 FG-NET variants, and one each for fgnet_top4, adience, adience3
    assert counts["gridsearch_fold"] == 12 * grid and counts["gridsearch_fold_choice"] == 12
    resources, block = _resources(output, "gridsearch_fold", "results/gridsearch/fgnet/vgg16-faces2/lr0.0001_bs48.csv")
    assert "gpu=1" in resources
    _, block = _resources(output, "train_fold", "results/fgnet/vgg16-imdb/fold40/predictions.csv")
    assert "results/gridsearch/fgnet/vgg16-imdb.csv" in block  # the choice feeds the training
    _, block = _resources(output, "train_stage", "results/models/senet50/imdb.keras")
    assert "results/gridsearch/models/senet50/imdb.csv" in block


def test_bad_config_stops_at_start_naming_the_key(repo, tmp_path):
    (tmp_path / "bad.yaml").write_text("margin: -2\ndatasets:\n  imdb:\n    detector: haar\n")
    result = subprocess.run([*SNAKEMAKE, "-s", str(repo / "Snakefile"), "-d", str(tmp_path), "-n",
                             "--configfile", str(repo / "config.yaml"), str(tmp_path / "bad.yaml")],
                            capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "datasets.imdb.detector: 'haar' is not one of" in output
    assert "margin: -2 is less than the minimum of 0" in output
    assert "rule " not in output  # stopped before planning any job (every message: tests/test_config.py)


DEMO = ("config.yaml", "config.demo.yaml")
DEMO_THREADS = ("--set-threads", "train_stage=1", "train_fold=1", "train_fold_kept=1", "train_unified=1",
                "extract_features=1")


@pytest.fixture(scope="module")
def demo(repo, tmp_path_factory):
    """The whole demo, run once as `make demo` runs it, in a fresh folder."""
    workdir = tmp_path_factory.mktemp("demo")
    result = snakemake(repo, workdir, "--cores", "2", *DEMO_THREADS, configs=DEMO)
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


@pytest.mark.slow
def test_demo_data_stage(demo):
    for dataset in ("imdb", "agedb", "fgnet", "adience"):
        report = json.loads((demo / f"resources/faces/{dataset}.report.json").read_text())
        manifest = pd.read_csv(demo / f"resources/faces/{dataset}.csv")
        assert report["kept"] == len(manifest) > 0
        assert (demo / f"results/benchmarks/prepare/{dataset}.tsv").is_file()
        # the synthetic archive went through the real download path and is kept
        # kept, in the download cache's folder for its source and checksum
        assert len(list((demo / "resources/downloads").glob(f"*/{dataset}.tar.gz"))) == 1
    fgnet = pd.read_csv(demo / "resources/faces/fgnet.csv")
    assert fgnet["face_found"].mean() >= 0.9 and len(fgnet) == 100
    assert pd.read_csv(demo / "results/splits/fgnet.csv")["fold"].nunique() == 10
    assert set(pd.read_csv(demo / "results/splits/adience3.csv")["label"]) == {0, 1, 2}


@pytest.mark.slow
def test_demo_measures_coverage_calibrates_on_validation_faces_and_reports_errors_per_group(demo):
    from agecascade.calibration import coverage, temper
    from agecascade.models.files import load_age_model

    # a stage model fitted its temperature on its validation faces; a fold job had none: 1.0
    stage = load_age_model(demo / "results/models/vgg16/imdb.keras").get_layer("label_space").info
    assert stage["temperature"] > 0 and "validation faces" in stage["calibration"]
    fold = pd.read_csv(demo / "results/fgnet/vgg16-imdb/fold1/predictions.csv")
    assert (fold["temperature"] == 1.0).all()
    unified = pd.read_csv(demo / "results/unified/agedb/vgg16-imdb/split0/predictions.csv")
    t = unified["temperature"].iloc[0]
    # every coverage can be recomputed from the predictions file: its p_* and its temperature
    intra = unified[unified["tested_on"] == "agedb"]
    columns = [c for c in intra if c.startswith("p_")]
    ages = [float(c[2:]) for c in columns]
    metrics = pd.read_csv(demo / "results/unified/agedb/vgg16-imdb/metrics.csv", dtype={"split": str})
    row = metrics[(metrics["split"] == "0") & (metrics["tested_on"] == "agedb")].iloc[0]
    p = intra[columns].to_numpy(float)
    assert row["coverage_80"] == pytest.approx(coverage(temper(p, t), ages, intra["true"], 0.8))
    assert row["coverage_80_uncalibrated"] == pytest.approx(coverage(p, ages, intra["true"], 0.8))
    calibration = pd.read_csv(demo / "results/tables/calibration.csv")
    assert {"coverage_80", "coverage_80_uncalibrated", "width_80", "nll"} <= set(calibration.columns)
    assert {"fgnet", "adience", "unified_agedb"} <= set(calibration["experiment"])
    groups = pd.read_csv(demo / "results/tables/groups.csv")
    fgnet_sex = groups[(groups["experiment"] == "fgnet") & (groups["grouping"] == "sex")]
    assert list(fgnet_sex["group"]) == ["not recorded by the dataset"] * len(fgnet_sex)  # FG-NET has no sex
    agedb = groups[(groups["experiment"] == "unified_agedb") & (groups["tested_on"] == "agedb")]
    assert {"male", "female"} <= set(agedb["group"]) and (agedb["ci95_low"] <= agedb["value"]).all()
    assert "Largest gap between groups of faces" in (demo / "results/summary.txt").read_text()


@pytest.mark.slow
def test_demo_trains_every_stage_model_and_writes_every_table(demo):
    from agecascade.models.files import load_age_model

    for model in ("vgg16/imdb", "vgg16/imdb-agedb", "resnet50/imdb", "senet50/imdb"):
        assert (demo / f"results/models/{model}.keras").is_file()
        history = pd.read_csv(demo / f"results/models/{model}.history.csv")
        assert list(history["epoch"]) == list(range(len(history))) and len(history) >= 3
    space = load_age_model(demo / "results/models/vgg16/imdb-agedb.keras").get_layer("label_space")
    assert space.info["chain"] == "imdb-agedb" and space.info["dataset"] == "agedb"
    for table in ("table4_fgnet", "adience", "table6_adience3", "fgnet_top4_confusion"):
        assert (demo / f"results/tables/{table}.csv").is_file() and (demo / f"results/tables/{table}.md").is_file()
    table4 = pd.read_csv(demo / "results/tables/table4_fgnet.csv")
    assert table4[table4.source == "measured"]["mae"].notna().sum() == 8  # Table 4's 7 and resnet50-faces2-keras2
    predictions = pd.read_csv(demo / "results/fgnet/vgg16-imdb-agedb/fold1/predictions.csv")
    assert set(predictions["subject"]) == {1}  # leave one person out: the test fold is subject 1
    assert (demo / "results/fgnet/vgg16-imdb-agedb/fold1/model.keras").is_file()  # kept
    assert not (demo / "results/fgnet_top4/vgg16-imdb-agedb/fold0/model.keras").exists()  # not kept
    provenance = json.loads((demo / "results/provenance.json").read_text())
    assert provenance["config"]["image_size"] == 32 and "tensorflow-cpu" in provenance["packages"]
    summary = (demo / "results/summary.txt").read_text()
    assert "best:" in summary and "FG-NET" in summary and "Table 5" in summary
    # one label space per dataset, the same in every fold's model and in the provenance
    spaces = provenance["label_spaces"]
    fgnet_ages = sorted(pd.read_csv(demo / "resources/faces/fgnet.csv")["age"].unique())
    assert spaces["fgnet"]["values"] == fgnet_ages and spaces["fgnet"]["thesis_size"] == 63
    assert (spaces["adience"]["size"], spaces["adience3"]["size"]) == (8, 3)
    for variant in ("vgg16-faces2", "senet50-imdb", "vgg16-imdb-agedb"):
        model = load_age_model(demo / f"results/fgnet/{variant}/fold1/model.keras")
        assert model.get_layer("label_space").values == [float(a) for a in fgnet_ages]
        assert model.get_layer("label_space").info["margin"] == 0.4


@pytest.mark.slow
def test_demo_learns_on_fgnet_and_adience(demo):
    table4 = pd.read_csv(demo / "results/tables/table4_fgnet.csv")
    best = table4[table4.source == "measured"].sort_values("mae").iloc[0]
    metrics = pd.read_csv(demo / f"results/fgnet/{best['variant']}/metrics.csv").set_index("fold")
    assert best["mae"] < metrics.loc["summary", "mean_predictor_mae"]  # beats the training-mean predictor
    for benchmark in ("adience", "adience3"):
        summary = pd.read_csv(demo / f"results/{benchmark}/vgg16-imdb-agedb/metrics.csv").set_index("fold")
        assert summary.loc["summary", "accuracy"] > summary.loc["summary", "majority_rate"], benchmark


@pytest.mark.slow
def test_demo_writes_the_unified_splits_from_its_database_files(demo):
    agedb = pd.read_csv(demo / "results/splits/agedb_unified.csv")
    manifest = pd.read_csv(demo / "resources/faces/agedb.csv")
    assert len(agedb) == len(manifest) and list(agedb.columns[-5:]) == [f"split{k}" for k in range(5)]
    for k in range(5):
        assert set(agedb[f"split{k}"]) == {"trn", "val", "tst"}
        assert (agedb.groupby("subject")[f"split{k}"].nunique() == 1).all()  # nobody on two sides
    report = json.loads((demo / "results/splits/agedb_unified.report.json").read_text())
    dropped = json.loads((demo / "resources/faces/agedb.report.json").read_text())["dropped"]
    # the database lists every picture; those preparation dropped (no face, corrupt) have no face
    assert len(report["entries_without_picture"]) == sum(dropped.values()) > 0
    assert report["pictures_without_entry"] == [] and report["identities_in_two_folders"] == []
    fgnet = pd.read_csv(demo / "results/splits/fgnet_unified.csv")
    assert set(fgnet["split0"]) == {"tst"} and fgnet["folder"].nunique() == 10  # test only, its subjects
    # pictures without a detected face: kept whole for the benchmark, out of the cascade's AgeDB split
    faceless = ~manifest["face_found"]
    assert report["pictures_kept_whole_without_face"] == faceless.sum() > 0
    assert agedb.loc[faceless, "split0"].isin(["trn", "val", "tst"]).all()
    thesis_split = pd.read_csv(demo / "results/splits/agedb.csv")
    assert (thesis_split.loc[faceless, "split"] == "no_face").all()
    assert (thesis_split.loc[~faceless, "split"] != "no_face").all()


@pytest.mark.slow
def test_demo_runs_the_unified_benchmark_under_both_crops_on_two_splits_and_beats_the_training_mean(demo):
    table = pd.read_csv(demo / "results/tables/unified_agedb.csv")
    measured = table[table["source"] == "measured"]
    # AgeDB under the thesis' crop and under the benchmark's, in one table, each tested on FG-NET too
    assert set(zip(measured["dataset"], measured["crop"], measured["tested_on"])) == {
        ("agedb", "margin", "agedb"), ("agedb", "margin", "fgnet"),
        ("agedb_aligned", "aligned_bbox", "agedb_aligned"), ("agedb_aligned", "aligned_bbox", "fgnet")}
    assert (measured["splits"] == 2).all() and (measured["recipe"] == "benchmark").all()  # run_splits [0, 1]
    assert (measured["input_size"] == 32).all() and (measured["comparable"] == "no").all()  # a VGG-16
    intra = measured[measured["protocol"] == "intra-dataset"]
    assert (intra["model"] == "vgg16-imdb").all() and (intra["mae_median"] < intra["mean_predictor_mae"]).all()
    assert table.loc[table["source"] == "literature", "published_mae"].notna().all()
    assert table.loc[table["source"] == "literature", "published_source"].str.contains("Paplham").all()
    for dataset in ("agedb", "agedb_aligned"):
        split = pd.read_csv(demo / f"results/splits/{dataset}_unified.csv")
        for k in (0, 1):
            folder = demo / f"results/unified/{dataset}/vgg16-imdb/split{k}"
            predictions = pd.read_csv(folder / "predictions.csv")
            own = predictions[predictions["tested_on"] == dataset]
            tested = (split[f"split{k}"] == "tst") & split["label"].notna()
            assert set(own["index"]) == set(split.loc[tested, "index"])
            assert (predictions["tested_on"] == "fgnet").sum() == 100  # all of FG-NET
            history = pd.read_csv(folder / "history.csv")
            assert history["val_median_mae"].notna().all()  # the benchmark's selection watches it
    matrix = pd.read_csv(demo / "results/tables/unified_cross.csv")
    assert set(matrix["trained_on"]) == {"agedb", "agedb_aligned"} and "fgnet" in matrix
    summary = (demo / "results/summary.txt").read_text()
    assert "Unified benchmark (Paplham & Franc 2024), trained on agedb" in summary


@pytest.mark.slow
def test_demo_crops_agedb_by_its_aligned_boxes_for_the_benchmark(demo):
    with h5py.File(demo / "resources/faces/agedb_aligned.h5") as store:
        assert store["images"].shape[1:] == (35, 35, 3)  # 32 px x 1.1: room for the random crops
    with h5py.File(demo / "resources/faces/agedb.h5") as store:
        assert store["images"].shape[1:] == (32, 32, 3)
    aligned = json.loads((demo / "resources/faces/agedb_aligned.report.json").read_text())
    database = json.loads((demo / "resources/synthetic/agedb_unified.json").read_text())
    without_box = sum(1 for entry in database if not entry["aligned_bbox"])
    # the pictures with no face drawn have no box: left out and counted, as the benchmark does
    assert aligned["dropped"]["no_aligned_bbox"] == without_box > 0
    manifest = pd.read_csv(demo / "resources/faces/agedb_aligned.csv")
    assert (manifest["detector"] == "aligned_bbox").all()


@pytest.mark.slow
def test_demo_summary_shows_both_frozen_batchnorm_rows_and_the_choices_it_made(demo):
    import re

    text = (demo / "results/summary.txt").read_text()
    # today's Keras and the thesis' Keras 2.2 on their own lines, each with its MAE
    assert re.search(r"^  resnet50-faces2 +\d+\.\d\d +\[  nan\]", text, re.MULTILINE), text
    assert re.search(r"^  resnet50-faces2-keras2 +\d+\.\d\d +\[12\.28\]", text, re.MULTILINE), text
    assert "frozen_batchnorm (mode a, -faces2) inference" in text and "stage models keep last" in text
    assert re.search(r"test faces per class \(0-12 / 15-20 / 25-100\): [\d,]+ / [\d,]+ / [\d,]+ "
                     r"\[1,667 / 152 / 2,571\]", text), text
    table6 = pd.read_csv(demo / "results/tables/table6_adience3.csv").set_index("true")
    assert table6.loc["accuracy (%)", "thesis accuracy from its matrix"] == pytest.approx(92.12, abs=0.005)


@pytest.mark.slow
def test_demo_runs_the_regression_with_auto_sklearn_and_writes_table5(demo):
    table5 = pd.read_csv(demo / "results/tables/table5_regression.csv")
    measured = table5[table5.source == "measured"]
    assert len(measured) == 5 and measured["mae"].notna().all() and measured["thesis_mae"].notna().all()
    # the synthetic faces' age signal (darker, greyer) is in the features: every set beats the mean
    assert (measured["mae"] < measured["mean_predictor_mae"]).all(), measured
    for ensemble in (demo / "results/regression").glob("*/fold*.ensemble.json"):
        description = json.loads(ensemble.read_text())
        assert description["crashed"] == 0, (ensemble, description["crash_messages"])
        assert description["configurations_tried"] >= 2 and description["test_faces"] == 10
        assert abs(sum(m["weight"] for m in description["models"]) - 1) < 1e-6, description["models"]
    log = (demo / "logs/regress_fold/vgg16-imdb-agedb-last/fold1.log").read_text()
    assert re.search(r"auto-sklearn: \d+ configurations tried, best validation R2", log), log[-2000:]
    predictions = pd.read_csv(demo / "results/regression/vgg16-imdb-agedb-last/fold1.csv")
    assert set(predictions["subject"]) == {1}  # fitted on the other subjects, predicting subject 1
    assert len(list((demo / "results/regression").glob("*/fold*.ensemble.json"))) == 5  # 5 sets x fold 1
    assert not list((demo / "results/regression").glob("*/*.autosklearn"))  # temporary folders removed
    with h5py.File(demo / "results/features/vgg16-imdb-agedb/last.h5") as handle:
        assert handle["features"].shape == (100, 512)


@pytest.mark.slow
def test_demo_draws_every_figure_and_the_figures_target_never_retrains(repo, demo):
    figures = sorted(p.stem for p in (demo / "results/figures").glob("*.png"))
    assert figures == ["calibration_reliability", "fig03_fgnet_faces", "fig04_adience_faces",
                       "fig05_age_distribution", "fig06_adience_groups", "fig10_fgnet_faces2", "fig11_fgnet_finetuned",
                       "fig12_regression", "fig13_top4_confusion", "fig14_gradcam", "groups_errors",
                       "unified_agedb_mae_by_age"]
    assert all((demo / f"results/figures/{f}.pdf").stat().st_size > 1000 for f in figures)
    # Every figure and table gone: the figures target redraws them from the results on disk only.
    moved = demo / "figures-before"
    (demo / "results/figures").rename(moved)
    try:
        plan = snakemake(repo, demo, "figures", "-n", "--quiet", "rules", "--forcerun", "tables", configs=DEMO)
        counts = job_counts(plan.stdout + plan.stderr)
        assert plan.returncode == 0, plan.stderr[-2000:]
        assert counts == {"figure": 11, "gradcam": 1, "tables": 1, "figures": 1}  # thesis, unified, issue 29
    finally:
        moved.rename(demo / "results/figures")


@pytest.mark.slow
def test_report_holds_every_figure_and_table_with_captions(repo, demo):
    result = snakemake(repo, demo, "--report", "results/report.html", configs=DEMO)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (demo / "results/report.html").read_text()
    for name in ("fig03_fgnet_faces", "fig10_fgnet_faces2", "fig12_regression", "fig14_gradcam",
                 "table4_fgnet.csv", "table5_regression.csv", "table6_adience3.csv", "summary.txt",
                 "unified_agedb.csv", "unified_agedb_mae_by_age"):
        assert name in html, name
    for caption in ("Thesis Figure 11", "Thesis Figure 14", "Thesis Table 5", "VGG-16-IMDB-AgeDB 2.68",
                    "The unified age-estimation benchmark (Paplham", "models trained on AgeDB, MAE per 5-year bin"):
        assert caption in html, caption


@pytest.mark.slow
def test_forcing_one_fold_reruns_that_job_and_its_aggregations_only(repo, demo):
    target = "results/fgnet/vgg16-faces2/fold1/predictions.csv"  # a kept fold: its model feeds Grad-CAM
    before = (demo / "results/fgnet/vgg16-imdb/fold1/predictions.csv").stat().st_mtime
    result = snakemake(repo, demo, "--cores", "2", *DEMO_THREADS, "--forcerun", target, configs=DEMO)
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(result.stdout + result.stderr)
    # the variant's box plot (Figure 10), the coverage and group-error figures (they read its metrics and
    # groups) and Grad-CAM (Figure 14) are redrawn too; nothing else
    assert counts == {"train_fold_kept": 1, "evaluate": 1, "tables": 1, "summary": 1, "figure": 3, "gradcam": 1,
                      "all": 1}
    assert (demo / "results/fgnet/vgg16-imdb/fold1/predictions.csv").stat().st_mtime == before
    again = snakemake(repo, demo, "-n", configs=DEMO)
    assert "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.slow
def test_a_changed_source_reruns_the_download_and_the_preparation_a_checksum_reruns_nothing(repo, demo, tmp_path):
    # a checksum verifies a download, it does not change it: setting one replans nothing (issue 30, row 5)
    (tmp_path / "checksum.yaml").write_text("datasets:\n  fgnet:\n    sha256: '" + "0" * 64 + "'\n")
    plan = snakemake(repo, demo, "resources/faces/fgnet.h5", "-n", configs=(*DEMO, str(tmp_path / "checksum.yaml")))
    assert plan.returncode == 0 and "Nothing to be done" in plan.stdout + plan.stderr, plan.stderr[-2000:]
    # another source is another download, and another preparation
    (tmp_path / "source.yaml").write_text("datasets:\n  fgnet:\n    source: file:resources/synthetic/./fgnet.tar.gz\n")
    plan = snakemake(repo, demo, "resources/faces/fgnet.h5", "-n", "--quiet", "rules",
                     configs=(*DEMO, str(tmp_path / "source.yaml")))
    assert plan.returncode == 0, plan.stderr[-2000:]
    counts = job_counts(plan.stdout + plan.stderr)
    assert counts.get("download") == 1 and counts.get("prepare") == 1, counts


@pytest.mark.slow
def test_readme_predict_example_on_the_demos_model(repo, demo, tmp_path):
    from skimage import data
    from PIL import Image

    photos = tmp_path / "my_photos"
    photos.mkdir()
    Image.fromarray(data.astronaut()).save(photos / "astronaut.png")
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff not really")
    agecascade = Path(sys.executable).with_name("agecascade")
    model = demo / "results/models/vgg16/imdb-agedb.keras"
    result = subprocess.run([str(agecascade), "predict", str(photos), "--model", str(model),
                             "--annotate", str(tmp_path / "annotated")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line.split(",") for line in result.stdout.strip().splitlines()]
    assert rows[0] == ["file", "face", "x1", "y1", "x2", "y2", "confidence", "age", "age_median", "age_low",
                       "age_high", "temperature"] and len(rows) == 2
    assert 0 <= float(rows[1][-2]) <= 100 and float(rows[1][-1]) > 0  # age_high; the temperature applied
    assert "broken.jpg: corrupt_image" in result.stderr
    assert (tmp_path / "annotated/astronaut.png").is_file()
    info = subprocess.run([str(agecascade), "info", str(model)], capture_output=True, text=True)
    assert info.returncode == 0 and json.loads(info.stdout)["chain"] == "imdb-agedb"


def test_an_error_a_user_causes_is_one_clear_line_with_the_traceback_in_the_log(repo, tmp_path):
    # config.yaml has no source for the licensed AgeDB: the download stops, saying where to get it
    result = snakemake(repo, tmp_path, "--cores", "1", "resources/raw/agedb/dataset.json")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    lines = [line for line in output.splitlines() if line.startswith("agecascade: ")]
    assert len(lines) == 1 and "No source configured for 'agedb'" in lines[0] and "ibug.doc.ic.ac.uk" in lines[0]
    assert "Traceback" not in output  # the traceback is in the log only
    log = (tmp_path / "logs/download/agedb.log").read_text()
    assert "Traceback (most recent call last)" in log and "SourceError" in log


@pytest.mark.slow
def test_a_moved_checkout_replans_nothing_and_its_paths_may_hold_quotes(repo, demo, tmp_path):
    import shutil

    moved = tmp_path / "it's a moved checkout" / "agecascade"
    shutil.copytree(repo, moved, symlinks=True,  # modification times kept, as a move keeps them
                    ignore=shutil.ignore_patterns(".git", ".venv", ".venv-autosklearn", "results", "resources",
                                                  ".snakemake", "logs", "__pycache__", "*.egg-info"))
    (moved / ".venv-autosklearn").symlink_to(repo / ".venv-autosklearn")
    plan = snakemake(moved, demo, "-n", configs=DEMO)
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert "Nothing to be done" in plan.stdout + plan.stderr, (plan.stdout + plan.stderr)[-3000:]
    # the auto-sklearn command runs from a checkout whose path holds a quote and a space
    rerun = snakemake(moved, demo, "--cores", "2", "--forcerun", "results/regression/vgg16-faces2-last/fold1.csv",
                      configs=DEMO)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "regress_fold" in rerun.stdout + rerun.stderr


def test_nested_config_numbers_work_and_a_key_written_twice_stops_the_run(repo, tmp_path):
    folds = snakemake(repo, tmp_path, "-n", "--config", "benchmarks={fgnet: {run_folds: [1, 2]}}", configs=DEMO)
    assert folds.returncode == 0, folds.stderr[-3000:]
    # fold 2 of the 8 FG-NET variants (their fold 1 is kept: train_fold_kept), adience, adience3, fgnet_top4
    assert job_counts(folds.stdout + folds.stderr)["train_fold"] == 8 + 3
    (tmp_path / "twice.yaml").write_text("training:\n  keep: last\n  keep: best_val_mae\n")
    twice = snakemake(repo, tmp_path, "-n", configs=(*DEMO, str(tmp_path / "twice.yaml")))
    assert twice.returncode != 0
    assert "the key 'keep' is written twice (lines 2 and 3)" in twice.stdout + twice.stderr
