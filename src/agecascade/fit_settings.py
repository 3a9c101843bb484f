"""The settings of one training run (`FitSettings`), resolved once by the plan
(`agecascade.plan.settings`) and read by the training, and what its model records about it
(`JobRecord`); no Keras here, so the plan (and the Snakefile) can build and check them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from agecascade.config import schema_default

# settings that change how a run goes, never its result: not part of what Snakemake records for a
# job (`RunOptions`), so changing them reruns nothing
RUN_OPTIONS = ("backup_interval_minutes", "require_gpu")
KEEP_LAST = "last"
KEEP_BEST = "best_val_mae"
KEEP_BEST_MEDIAN = "best_val_median_mae"  # the unified benchmark's selection
KEEP = (KEEP_LAST, KEEP_BEST, KEEP_BEST_MEDIAN)  # which epoch a training keeps (`training.keep`)
# what each best-epoch rule watches in the history, and whether a later epoch equal to the best wins
# (the benchmark's: it keeps the later one; ours, the thesis' software's habit, the first)
KEEP_MONITORS = {KEEP_BEST: ("val_mae", False), KEEP_BEST_MEDIAN: ("val_median_mae", True)}


def improves(value: float, best: float, later_wins: bool) -> bool:
    """Whether an epoch's `value` replaces the kept epoch's `best` (lower is better; NaN never)."""
    return value <= best if later_wins else value < best
MONITORS = ("val_loss", "loss")  # what the plateau schedule watches


@dataclass(frozen=True)
class FitSettings:
    """Hyper-parameters of one training run (one cascade stage or one fold).

    Attributes:
        learning_rate: Adam's initial learning rate.
        batch_size: faces per batch.
        epochs: epochs to train.
        patience: epochs without validation-loss improvement before the learning rate is halved;
            None for no schedule.
        frozen: mode a: train only the head; the backbone stays as it is.
        augment: random rotation (degrees), shift and crop (fractions) and horizontal flip.
        seed: seed of initialisation, shuffling and augmentation.
        backup_interval_minutes: back up for resuming at the end of an epoch once this many
            minutes passed since the last backup (0: after every epoch).
        precision: "float32", "mixed_float16" or "mixed_bfloat16" (Keras' mixed precision; the
            output layer stays float32).
        jit_compile: "auto" (Keras decides), True or False (XLA compilation of the train step).
        require_gpu: stop at once when the job was granted a GPU by SLURM but TensorFlow sees
            none (see `setup_device`).
        frozen_batchnorm: mode a's frozen batch norm: "inference" (today's Keras) or
            "batch_statistics" (Keras 2.2, the thesis' software; `models.batchnorm`).
        keep: `KEEP_LAST` ("last" epoch), `KEEP_BEST` ("best_val_mae": the epoch with the lowest
            validation MAE of the expected ages, the first of equals) or `KEEP_BEST_MEDIAN`
            ("best_val_median_mae": of the posterior median, a later epoch winning a tie: the
            unified benchmark's); the last two only with a validation set.
        monitor: what the plateau schedule watches: "val_loss" or "loss" (no validation set).
        calibration: "temperature" (fit one on the validation faces, `agecascade.calibration`) or
            "none".
    """

    learning_rate: float
    batch_size: int
    epochs: int
    patience: int | None = None
    frozen: bool = False
    augment: dict = field(default_factory=lambda: schema_default("training", "augment"))
    seed: int = field(default_factory=lambda: schema_default("seed"))
    backup_interval_minutes: float = field(
        default_factory=lambda: schema_default("training", "backup_interval_minutes"))
    precision: str = field(default_factory=lambda: schema_default("training", "precision"))
    jit_compile: str | bool = field(default_factory=lambda: schema_default("training", "jit_compile"))
    require_gpu: bool = field(default_factory=lambda: schema_default("training", "require_gpu"))
    frozen_batchnorm: str = field(default_factory=lambda: schema_default("training", "frozen_batchnorm"))
    keep: str = field(default_factory=lambda: schema_default("training", "keep"))
    monitor: str = field(default_factory=lambda: schema_default("training", "schedule_monitor"))
    calibration: str = field(default_factory=lambda: schema_default("training", "calibration"))

    def __post_init__(self):
        if self.keep not in KEEP:
            raise ValueError(f"keep must be one of {KEEP}. Received: keep={self.keep!r}")
        if self.monitor not in MONITORS:
            raise ValueError(f"monitor must be one of {MONITORS}. Received: monitor={self.monitor!r}")
        if self.learning_rate <= 0 or self.batch_size < 1 or self.epochs < 1:
            raise ValueError("learning_rate, batch_size and epochs must be positive. Received: "
                             f"{self.learning_rate}, {self.batch_size}, {self.epochs}")



@dataclass(frozen=True)
class JobRecord:
    """What a training run's model records about it (`LabelSpace.info`, besides backbone and
    settings), and what names the job in messages and resume backups.

    Attributes:
        image_size, margin: the crop (`predict` crops as in training; the size also sizes a new
            backbone).
        chain: the cascade chain (a stage) or the variant's pretraining (a fold, a unified split).
        dataset, start: a stage's dataset and start model; a unified job's dataset.
        benchmark, variant, fold: a fold job's (a grid point: no fold).
        split: a unified job's protocol split.
    """

    image_size: int
    margin: float
    chain: str | None = None
    dataset: str | None = None
    start: str | None = None
    benchmark: str | None = None
    variant: str | None = None
    fold: int | None = None
    split: int | None = None

    def info(self) -> dict:
        """The recorded keys, those with a value only (a saved model's `LabelSpace.info`)."""
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class RunOptions:
    """The `RUN_OPTIONS` of a training job: how often it backs up for resuming, and whether it
    stops when SLURM granted a GPU that TensorFlow cannot see. Handed to a rule as its `runtime`
    parameter, an object Snakemake does not record, so changing them reruns no job."""

    backup_interval_minutes: float = 0.0
    require_gpu: bool = True


def recorded(settings: dict) -> dict:
    """A job's settings as its rule records them: every field but the `RUN_OPTIONS`."""
    return {key: value for key, value in settings.items() if key not in RUN_OPTIONS}
