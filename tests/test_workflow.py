"""The workflow as users run it: dry runs on the paper config, and the demo's data stage."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def snakemake(repo: Path, workdir: Path, *args: str, configs=("config.yaml",)) -> subprocess.CompletedProcess:
    command = [*SNAKEMAKE, "-s", str(repo / "Snakefile"), "-d", str(workdir),
               "--configfile", *[str(repo / c) for c in configs], *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=workdir)


def job_counts(output: str) -> dict[str, int]:
    counts, in_table = {}, False
    for line in output.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
        elif in_table and parts and parts[0] == "total":
            break
    return counts


def test_dry_run_of_the_paper_config_shows_the_whole_data_dag_without_any_data(repo, tmp_path):
    result = snakemake(repo, tmp_path, "-n", "--quiet", "rules")
    assert result.returncode == 0, result.stderr
    counts = job_counts(result.stdout + result.stderr)
    assert counts["download"] == 4 and counts["prepare"] == 4
    assert counts["splits"] == 6  # imdb, agedb, fgnet, fgnet_top4, adience, adience3
    assert "synthetic_dataset" not in counts  # real sources: nothing synthetic


def test_bad_config_stops_at_start_naming_the_key(repo, tmp_path):
    (tmp_path / "bad.yaml").write_text("margin: -2\ndatasets:\n  imdb:\n    detector: haar\n")
    result = subprocess.run([*SNAKEMAKE, "-s", str(repo / "Snakefile"), "-d", str(tmp_path), "-n",
                             "--configfile", str(repo / "config.yaml"), str(tmp_path / "bad.yaml")],
                            capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "datasets.imdb.detector: 'haar' is not one of" in output
    assert "margin: -2 is less than the minimum of 0" in output


@pytest.mark.slow
def test_demo_data_stage_end_to_end(repo, tmp_path):
    result = snakemake(repo, tmp_path, "--cores", "2", "data", configs=("config.yaml", "config.demo.yaml"))
    assert result.returncode == 0, result.stderr[-3000:]
    for dataset in ("imdb", "agedb", "fgnet", "adience"):
        report = json.loads((tmp_path / f"resources/faces/{dataset}.report.json").read_text())
        manifest = pd.read_csv(tmp_path / f"resources/faces/{dataset}.csv")
        assert report["kept"] == len(manifest) > 0
        assert (tmp_path / f"results/benchmarks/prepare/{dataset}.tsv").is_file()
        # the synthetic archive went through the real download path and is kept
        assert (tmp_path / f"resources/downloads/{dataset}.tar.gz").is_file()
    fgnet = pd.read_csv(tmp_path / "resources/faces/fgnet.csv")
    assert fgnet["face_found"].mean() >= 0.9 and len(fgnet) == 100
    folds = pd.read_csv(tmp_path / "results/splits/fgnet.csv")
    assert folds["fold"].nunique() == 10
    adience3 = pd.read_csv(tmp_path / "results/splits/adience3.csv")
    assert set(adience3["label"]) == {0, 1, 2}

    # a second run has nothing to do
    again = snakemake(repo, tmp_path, "--cores", "2", "-n", "data", configs=("config.yaml", "config.demo.yaml"))
    assert "Nothing to be done" in again.stdout + again.stderr
