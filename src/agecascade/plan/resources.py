"""Every job's cluster resources, in one place: threads, GPU, memory (MB) and runtime (minutes)
per rule. The rules take them from `Study.threads(rule)` and `Study.resources(rule)`; the SLURM
profile adds only what is the cluster's (partition, account, GPU model).

Runtimes per dataset are the datasets' descriptors' (`agecascade.datasets`: the thesis' GPU
timings plus margin); training resumes across retries, so a job cut by its limit continues where
it stopped.
"""

from __future__ import annotations

import math

from agecascade.datasets import dataset
from agecascade.plan.settings import unified_settings
from agecascade.vocabulary import chain_dataset

# rule: (threads, memory in MB) of the jobs that run on a GPU
GPU_JOBS = {
    "train_stage": (8, 32000),
    "gridsearch_stage": (8, 32000),
    "gridsearch_fold": (4, 16000),
    "train_fold": (4, 16000),
    "train_fold_kept": (4, 16000),
    "train_unified": (8, 32000),
    "extract_features": (4, 16000),
    "gradcam": (2, 8000),
}
FEATURES_RUNTIME = 60  # 1,002 FG-NET faces: a minute on a GPU, plus start-up and margin
GRADCAM_RUNTIME = 30
FOLD_GRID_RUNTIME = 60  # one epoch on each grid fold's training faces
PREPARE_RUNTIME = 720
SYNTHETIC = {"mem_mb": 2000, "runtime": 30}


def stage_runtime(chain: str) -> int:
    return dataset(chain_dataset(chain)).stage_runtime


def stage_grid_runtime(chain: str) -> int:
    return dataset(chain_dataset(chain)).stage_grid_runtime


def fold_runtime(name: str) -> int:
    return dataset(name).fold_runtime


# The thesis' AgeDB stage trained 30 epochs of AgeDB's ~16,500 pictures in about 4 hours (GTX 1080
# Ti): about 2,060 pictures per minute, training and validation passes together.
PICTURE_EPOCHS_PER_MINUTE = 30 * 16_488 / (4 * 60)
UNIFIED_MARGIN = 1.5  # declared = 1.5 x the expected time, plus start-up and the tests
UNIFIED_START = 30


def unified_minutes(name: str, epochs: int) -> float:
    """The expected GPU minutes of one unified job: its epochs over the dataset's pictures (train
    and validation parts: 80 % of them; the other 20 % and the cross tests are predicted once)."""
    pictures = dataset(name).pictures or 0
    return epochs * pictures / PICTURE_EPOCHS_PER_MINUTE


def unified_runtime(name: str, epochs: int) -> int:
    """The declared runtime of a unified job: scales with its dataset's size and its recipe's
    epochs (50 epochs of AFAD's ~165,000 pictures is days, not AgeDB's hours); a job cut by its
    limit resumes where it stopped."""
    return math.ceil(UNIFIED_MARGIN * unified_minutes(name, epochs)) + UNIFIED_START


def prepare_mem_mb(detector: str, threads: int) -> int:
    # MTCNN workers hold TensorFlow (~700 MB each); PIL-only workers need little
    return 2000 + (1000 if detector == "mtcnn" else 300) * threads


def detector(spec: dict) -> str:
    """The detector a dataset's preparation runs: none for the `aligned_bbox` crop."""
    return "none" if spec.get("crop") == "aligned_bbox" else spec["detector"]


def regression_mem_mb(memory_limit_mb: int, threads: int) -> int:
    # auto-sklearn's memory limit applies to each of its n_jobs workers, plus the main process
    return memory_limit_mb * threads + 4000


def regression_runtime(time_left_for_this_task: int) -> int:
    # the time budget, plus the final ensemble building, start-up and margin (minutes)
    return time_left_for_this_task // 60 + 30


def gpu_job(rule: str, runtime) -> dict:
    """Resources of a GPU rule: one GPU, a CPU per thread, its memory, and `runtime`."""
    threads, mem_mb = GPU_JOBS[rule]
    return {"gpu": 1, "cpus_per_task": threads, "mem_mb": mem_mb, "runtime": runtime}


class RuleResources:
    """`threads:` and `resources:` of every rule under a config (`Study.threads`, `Study.resources`).

    Args:
        config: the validated config.
        fold_dataset: (benchmark, or a kept fold's `<benchmark>/<variant>/fold<k>`) -> its dataset.
    """

    def __init__(self, config: dict, fold_dataset):
        self.config = config
        self.fold_dataset = fold_dataset

    def unified_epochs(self, wildcards) -> int:
        return unified_settings(self.config, wildcards.dataset, wildcards.variant)["epochs"]

    def threads(self, rule: str) -> int:
        """A rule's threads: the GPU jobs' fixed CPUs, or the config's (prepare, regress_fold)."""
        if rule in GPU_JOBS:
            return GPU_JOBS[rule][0]
        return {"prepare": self.config["prepare"], "regress_fold": self.config["regression"]}[rule]["threads"]

    def resources(self, rule: str) -> dict:
        """A rule's `resources:` (GPU, CPUs, memory in MB, runtime in minutes)."""
        runtimes = {
            "train_stage": lambda w: stage_runtime(w.chain),
            "gridsearch_stage": lambda w: stage_grid_runtime(w.chain),
            "gridsearch_fold": FOLD_GRID_RUNTIME,
            "train_fold": lambda w: fold_runtime(self.fold_dataset(w.benchmark)),
            "train_fold_kept": lambda w: fold_runtime(self.fold_dataset(w.kept)),
            "train_unified": lambda w: unified_runtime(w.dataset, self.unified_epochs(w)),
            "extract_features": FEATURES_RUNTIME,
            "gradcam": GRADCAM_RUNTIME,
        }
        if rule in runtimes:
            return gpu_job(rule, runtimes[rule])
        regression = self.config["regression"]
        datasets = self.config["datasets"]
        return {
            "synthetic_dataset": SYNTHETIC,
            "prepare": {"mem_mb": lambda w, threads: prepare_mem_mb(detector(datasets[w.dataset]), threads),
                        "runtime": PREPARE_RUNTIME},
            "regress_fold": {"mem_mb": lambda w, threads: regression_mem_mb(regression["memory_limit_mb"], threads),
                             "runtime": regression_runtime(regression["time_left_for_this_task"])},
        }[rule]
