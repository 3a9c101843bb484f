"""Every job's cluster resources, in one place: threads, GPU, memory (MB) and runtime (minutes)
per rule. The rules take them from `Study.threads(rule)` and `Study.resources(rule)`; the SLURM
profile adds only what is the cluster's (partition, account, GPU model).

Runtimes are the thesis' GPU timings plus margin; training resumes across retries, so a job cut
by its limit continues where it stopped.
"""

from __future__ import annotations

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
    # thesis, GTX 1080 Ti: IMDB about 2 days per backbone, AgeDB about 4 hours (plus margin);
    # the slurm profile sets the partition's limit instead
    return {"imdb": 3 * 24 * 60, "agedb": 6 * 60}[chain_dataset(chain)]


def stage_grid_runtime(chain: str) -> int:
    # one epoch per search set; an IMDB epoch takes about 50 minutes on the thesis' GPU
    return {"imdb": 90, "agedb": 30}[chain_dataset(chain)]


def fold_runtime(dataset: str) -> int:
    # thesis GPU: an FG-NET fold (20 epochs of ~990 faces) takes minutes, an Adience fold
    # (20 epochs of ~14,000 faces) about half an hour; plus margin
    return {"fgnet": 120, "adience": 240}[dataset]


def unified_runtime(dataset: str) -> int:
    # a split trains on 60 % of the dataset and validates on 20 % each epoch, as long as the cascade
    # stage on that dataset (thesis GPU: AgeDB about 4 hours), plus the tests and margin
    return {"agedb": 6 * 60}[dataset]


def prepare_mem_mb(detector: str, threads: int) -> int:
    # MTCNN workers hold TensorFlow (~700 MB each); PIL-only workers need little
    return 2000 + (1000 if detector == "mtcnn" else 300) * threads


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
