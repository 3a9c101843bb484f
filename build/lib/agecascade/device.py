"""What a job runs on: CPU threads, the precision policy, and the check that a job granted a GPU
can use it. Every job that builds a model calls `setup_device` first."""

from __future__ import annotations

import logging
import os

import keras

from agecascade.config import schema_default

log = logging.getLogger(__name__)

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
GPU_VARIABLES = ("SLURM_JOB_GPUS", "SLURM_STEP_GPUS", "SLURM_GPUS_ON_NODE", "SLURM_GPUS")


class DeviceError(RuntimeError):
    """A job that was granted a GPU but cannot use one."""



def setup_device(settings=None, threads: int | None = None) -> dict:
    """Threads, precision and the device check of a job; logs what it runs on.

    Args:
        settings: the job's `FitSettings` (or anything with `precision`, `jit_compile` and
            `require_gpu`); None (feature extraction, Grad-CAM): the config's defaults, no GPU check.
        threads: CPU threads the backend may use (the rule's threads).

    Under SLURM a job granted a GPU (`SLURM_JOB_GPUS`, ...) that the Keras backend cannot see stops
    here (unless `settings.require_gpu` is false) instead of training for days on the CPU.

    Returns:
        What the job runs on: backend, devices, precision.
    """
    use_threads(threads)
    precision = settings.precision if settings else schema_default("training", "precision")
    jit_compile = settings.jit_compile if settings else schema_default("training", "jit_compile")
    if precision not in PRECISIONS:
        raise ValueError(f"training.precision must be one of {PRECISIONS}. Received: {precision!r}")
    keras.mixed_precision.set_global_policy(precision)
    # Keras wraps every layer call in a traceback filter; tracing SENet50's train step makes tens of
    # thousands of such calls. A batch job's log gets the full traceback.
    keras.config.disable_traceback_filtering()
    gpus, cuda_build = accelerators()
    report = {"backend": keras.backend.backend(), "gpus": gpus or ["none: CPU only"], "precision": precision,
              "jit_compile": jit_compile, "threads": threads, "cuda_build": cuda_build}
    log.info("devices: %s", report)
    granted = {v: os.environ[v] for v in GPU_VARIABLES if os.environ.get(v)}
    if granted and not gpus and settings is not None and settings.require_gpu:
        raise DeviceError(
            f"SLURM granted this job a GPU ({', '.join(f'{k}={v}' for k, v in granted.items())}) but "
            f"{report['backend']} sees none. Check: is the CUDA build installed (tensorflow[and-cuda], `make GPU=1`; "
            f"this one is {'a CUDA' if cuda_build else 'a CPU-only'} build)? Does `nvidia-smi` on the node "
            "list the GPU? To train on the CPU anyway, set training.require_gpu: false."
        )
    return report


def accelerators() -> tuple[list[str], bool]:
    """The GPUs the Keras backend sees (names) and whether the backend is a CUDA build."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform != "cpu"]
        return [getattr(d, "device_kind", str(d)) for d in gpus], bool(gpus) or jax.default_backend() != "cpu"
    if backend == "torch":
        import torch

        count = torch.cuda.device_count()
        return [torch.cuda.get_device_name(i) for i in range(count)], torch.version.cuda is not None
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return ([tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus],
            tf.test.is_built_with_cuda())



_configured_threads: list[int | None] = []  # what use_threads set in this process


def use_threads(threads: int | None) -> None:
    """Limit the backend to the rule's threads (call before any backend work in the process; a
    second call with the same threads, e.g. the runs of one grid point, changes nothing).

    On TensorFlow also turns off Grappler's constant folding, which spends seconds on every large
    training graph and folds nothing in it (the weights are variables; see `benchmarks/startup.py`).
    """
    if _configured_threads and _configured_threads[-1] == threads:
        return
    _configured_threads.append(threads)
    if keras.backend.backend() != "tensorflow":
        if threads and keras.backend.backend() == "torch":
            import torch

            torch.set_num_threads(threads)
        return  # JAX: XLA's CPU thread pool is fixed at start (XLA_FLAGS); SLURM's CPU binding limits it
    import tensorflow as tf

    tf.config.optimizer.set_experimental_options({"constant_folding": False})
    if not threads:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(max(1, min(threads, 2)))
    except RuntimeError:  # TensorFlow already initialised in this process: keep its pools
        log.warning("TensorFlow already initialised; cannot limit it to %d threads", threads)
