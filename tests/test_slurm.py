"""`snakemake --profile slurm` against a real single-node SLURM (slurmctld + slurmd + munge).

The cluster is installed from Debian's packages and started by tests/slurm/start-slurm.sh, with a
`cpu` and a `gpu` partition and a fake GPU, and stopped by the PIDs of its daemons at the end. The
command is the one a user types in the repository root, `snakemake --profile slurm` (the
project's profile, found as ./slurm, nothing installed), with the demo config, in a working folder
of its own, plus only what this test cluster lacks: an accounting database (status from squeue)
and time (4 jobs at a time, no retries, short waits). It runs the FG-NET preparation (a CPU-heavy
rule), three fold trainings (GPU rule) and their evaluation. Then one fold is forced.

Skips only where SLURM cannot be installed (not root, or no apt-get); never with CI=true.
Run alone: `make test-slurm`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.slurm]

HERE = Path(__file__).parent
LAB = Path("/var/tmp/agecascade-slurm-test")
VARIANT = "vgg16-faces2"  # mode a: needs no stage model, so the test stays short
TARGET = f"results/fgnet/{VARIANT}/metrics.csv"


def _cannot_install() -> str | None:
    if os.geteuid() != 0:
        return "not root: cannot install and start SLURM daemons"
    if shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        return "no apt-get to install SLURM from"
    return None


@pytest.fixture(scope="module")
def cluster():
    reason = _cannot_install()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: the SLURM test must run, but {reason}")
        pytest.skip(reason)
    env = {**os.environ, "LAB": str(LAB)}
    started = subprocess.run(["bash", str(HERE / "slurm/start-slurm.sh")], env=env, capture_output=True, text=True)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        partitions = subprocess.run(["sinfo", "-h", "-o", "%P %G"], capture_output=True, text=True).stdout
        assert "gpu" in partitions and "cpu" in partitions, partitions
        yield started.stdout
    finally:
        stopped = subprocess.run(["bash", str(HERE / "slurm/stop-slurm.sh")], env=env, capture_output=True, text=True)
        print(stopped.stdout, stopped.stderr)
        for pidfile in (LAB / "run/slurmd.pid", LAB / "run/slurmctld.pid", Path("/run/munge/munged.pid")):
            assert not pidfile.exists(), f"{pidfile} left behind"


def _snakemake(repo, workdir, *args):
    snakemake = Path(sys.executable).with_name("snakemake")
    command = [str(snakemake), "--profile", "slurm", "--directory", str(workdir), *args,
               # what the test cluster lacks: accounting (sacct), and time
               "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "5",
               "--jobs", "4", "--retries", "0", "--latency-wait", "5",
               "--configfile", str(repo / "config.yaml"), str(repo / "config.demo.yaml"), str(workdir / "folds.yaml")]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=1500)


def _submissions(output: str) -> list[tuple[str, str]]:
    """(rule, SLURM job id) of every job the plugin submitted with sbatch."""
    found = re.findall(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: ([^)]*)\)", output)
    return [(re.search(r"rule_([^/]+)/", log).group(1), job_id) for job_id, log in found]


def test_snakemake_profile_slurm_runs_the_demo_through_sbatch_and_reruns_one_fold(repo, tmp_path, cluster):
    workdir = tmp_path / "run"
    workdir.mkdir()
    # the test cluster's GPUs are fake (GRES on /dev/null): train on the CPU anyway
    (workdir / "folds.yaml").write_text("benchmarks:\n  fgnet:\n    run_folds: [1, 2, 3]\n"
                                        "training:\n  require_gpu: false\n")

    result = _snakemake(repo, workdir, TARGET)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "Using profiles slurm" in output  # ./slurm, the project's profile
    submitted = _submissions(output)
    rules = sorted(rule for rule, _ in submitted)
    # every cluster job went through sbatch; download, splits and evaluate are local rules
    assert rules == ["prepare", "synthetic_dataset", "train_fold", "train_fold", "train_fold_kept"], output[-4000:]
    for rule, job_id in submitted:
        log = workdir / f".snakemake/slurm_logs/rule_{rule}"
        assert any(job_id in p.name for p in log.rglob("*.log")), (rule, job_id)
    for rule, job_id in submitted:  # the job ran inside SLURM and finished there
        log = next((workdir / f".snakemake/slurm_logs/rule_{rule}").rglob(f"{job_id}.log")).read_text()
        assert "Finished job" in log, log[-2000:]
    # GPU rules went to the gpu partition with one GPU, CPU rules to the cpu partition (SLURM keeps
    # finished jobs' records for MinJobAge = 300 s: the fold jobs, which ran last, are still there)
    for rule, job_id in submitted:
        record = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True, text=True).stdout
        if not record:
            assert not rule.startswith("train_fold"), f"no SLURM record of {rule} job {job_id}"
            continue
        gpu = rule.startswith("train_fold")
        assert f"Partition={'gpu' if gpu else 'cpu'}" in record, record
        assert ("gres/gpu=1" in record or "gres:gpu:1" in record) == gpu, record
        if gpu:  # the rule's own request (cpus_per_task=4, 16 GB), not a test override
            assert "NumCPUs=4" in record and re.search(r"mem=16000M|MinMemoryNode=16000M", record), record
    metrics = pd.read_csv(workdir / TARGET, dtype={"fold": str})
    assert list(metrics["fold"]) == ["1", "2", "3", "summary"] and metrics["mae"].notna().all()
    assert (workdir / f"results/fgnet/{VARIANT}/fold1/model.keras").is_file()

    forced = f"results/fgnet/{VARIANT}/fold2/predictions.csv"
    before = {k: (workdir / f"results/fgnet/{VARIANT}/fold{k}/predictions.csv").stat().st_mtime for k in (1, 3)}
    again = _snakemake(repo, workdir, TARGET, "--forcerun", forced)
    output = again.stdout + again.stderr
    assert again.returncode == 0, output[-6000:]
    assert [rule for rule, _ in _submissions(output)] == ["train_fold"]  # only that fold was resubmitted
    assert re.search(r"train_fold\s+1\b", output) and re.search(r"evaluate\s+1\b", output)
    for k, mtime in before.items():
        assert (workdir / f"results/fgnet/{VARIANT}/fold{k}/predictions.csv").stat().st_mtime == mtime
