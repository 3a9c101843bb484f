"""One training run, whatever job asks for it: a cascade stage (`train_stage` rule), a benchmark
fold (`train_fold`), a split of the unified benchmark (`train_unified`) or a grid point
(`gridsearch_*`), all through `run_training(job)`.

A `TrainingJob` says what data (face store, split table, label space, which part of the split,
what the model starts from), which settings (`FitSettings`) and where outputs go (resume backup,
history, and optionally the model and the test faces' predictions). The steps are the same for
every job: device set-up, the grid search's choice, the label space, the start model, the input
pipeline, fit with resume, predictions, save. Its parts live in their own modules:
`input_pipeline`, `device`, `start_models`, `fit`, `grid_choice`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from agecascade import calibration, decision
from agecascade.data.folds import Part, database_faces, select_faces
from agecascade.device import setup_device
from agecascade.fit import FitSettings, finish, fit
from agecascade.fit_settings import JobRecord, RunOptions
from agecascade.grid_choice import with_grid_choice
from agecascade.input_pipeline import FaceBatches, face_batches, read_label_space, training_model
from agecascade.models.head import expected_age, label_space_of
from agecascade.outputs import atomic_path
from agecascade.resume import fingerprint
from agecascade.start_models import initial_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TestSet:
    """A dataset a model is tested on whole: its face store and unified split table."""

    dataset: str
    store: str
    split: str


@dataclass(frozen=True)
class TrainingData:
    """What a run trains on.

    Attributes:
        store, split, labels: the dataset's face store, split table and label space.
        part: which faces of the split train, validate and are predicted (`Part`).
        start: the stage model (`.keras`), the face weights (`.h5`) or None (random initialisation).
        grid_choice: the grid search's ranking, whose best row overrides learning rate and batch.
        cross_tests: other datasets the trained model is also tested on (the unified
            benchmark's cross-dataset tests): their predictions follow the test part's, each
            row naming its dataset in `tested_on`.
        protocol: the unified protocol JSON of the training dataset (`data.benchmark`): which
            folders of each cross-dataset test set a split tests.
    """

    store: str
    split: str
    labels: str
    part: Part = field(default_factory=Part)
    start: str | None = None
    grid_choice: str | None = None
    cross_tests: tuple[TestSet, ...] = ()
    protocol: str | None = None

    def cross_faces(self, test_set: TestSet) -> pd.DataFrame:
        """The faces of a cross-dataset test set this run's split tests: the folders the training
        dataset's protocol (`data.benchmark`) names for it, or all with an entry where it names none."""
        faces = database_faces(pd.read_csv(test_set.split))
        if self.protocol is None:
            return faces
        folders = json.loads(Path(self.protocol).read_text())["cross_tests"].get(test_set.dataset)
        return faces if folders is None else faces[faces["folder"].isin(folders[self.part.protocol_split])]


@dataclass(frozen=True)
class TrainingOutputs:
    """Where a run writes: resume state (not a rule output: it must survive Snakemake's cleanup),
    the history, and optionally the model and the test faces' predictions."""

    backup: str
    history: str
    model: str | None = None
    predictions: str | None = None


@dataclass(frozen=True)
class TrainingJob:
    """One training run.

    Attributes:
        backbone: vgg16, resnet50 or senet50.
        data, settings, outputs: see `TrainingData`, `FitSettings`, `TrainingOutputs`.
        record: what the saved model records about its training besides backbone and settings
            (`JobRecord`; the plan's dict form is turned into one).
        threads: CPU threads the backend may use (the rule's threads).
    """

    backbone: str
    data: TrainingData
    settings: FitSettings
    outputs: TrainingOutputs
    record: JobRecord
    threads: int | None = None

    def __post_init__(self):
        if isinstance(self.record, dict):  # the plan's `params.job["record"]`
            object.__setattr__(self, "record", JobRecord(**self.record))

    def describe(self) -> str:
        """The job in words, for messages: `fgnet vgg16-imdb fold 3`, `stage vgg16/imdb-agedb`."""
        record = self.record
        if record.split is not None:
            return f"{record.benchmark} {record.dataset} {record.variant} split {record.split}"
        if record.benchmark is not None:
            where = f"fold {record.fold}" if record.fold is not None else "grid point"
            return f"{record.benchmark} {record.variant or self.backbone} {where}"
        return f"stage {self.backbone}/{record.chain or '?'}"

    def identity(self) -> dict:
        """What a resume backup must belong to for this job to resume it: the job, what the model
        records, and a fingerprint of every input file (`agecascade.resume`; fit adds the settings)."""
        files = {"store": self.data.store, "split": self.data.split, "labels": self.data.labels,
                 "start": self.data.start, "grid_choice": self.data.grid_choice}
        return {"job": self.describe(), "record": self.record.info(),
                "files": {name: fingerprint(path) for name, path in files.items()}}

    @classmethod
    def from_rule(cls, spec: dict, inputs, outputs, threads: int | None = None,
                  runtime: RunOptions | None = None) -> TrainingJob:
        """The job of a `train_stage` / `train_fold` / `train_unified` rule: `spec` is the plan's
        `params.job` (`Study.stage_job`, `Study.fold_job`, `UnifiedPlan.train_job`; its
        `cross_tests` name the `<dataset>_store` / `<dataset>_split` inputs), `inputs` / `outputs`
        the rule's named files."""
        cross = tuple(TestSet(d, inputs[f"{d}_store"], inputs[f"{d}_split"]) for d in spec.get("cross_tests", ()))
        data = TrainingData(inputs["store"], inputs["split"], inputs["labels"], Part(**spec.get("part", {})),
                            inputs.get("start"), inputs.get("gridsearch"), cross, inputs.get("protocol"))
        written = TrainingOutputs(spec["backup"], outputs["history"], outputs.get("model"), outputs.get("predictions"))
        settings = FitSettings(**spec["settings"], **asdict(runtime or RunOptions()))
        return cls(spec["backbone"], data, settings, written, spec["record"], threads)


@dataclass
class TrainingResult:
    """What a run produced: its history, the test faces' predictions (or None), the settings it
    used (after the grid search's choice) and how many faces it trained and validated on."""

    history: pd.DataFrame
    predictions: pd.DataFrame | None
    settings: FitSettings
    train_faces: int
    val_faces: int


def run_training(job: TrainingJob) -> TrainingResult:
    """Train one model as `job` says: set up the device, apply the grid choice, build the start
    model with the label space's output layer, fit (resuming an interrupted run), predict the test
    faces, save; then remove the resume backup."""
    setup_device(job.settings, job.threads)
    settings = with_grid_choice(job.settings, job.data.grid_choice)
    space = read_label_space(job.data.labels)
    faces = select_faces(pd.read_csv(job.data.split), job.data.part, settings.seed)
    info = {"backbone": job.backbone, **job.record.info(), "settings": asdict(settings)}
    model = initial_model(job.backbone, job.data.start, space, image_size=int(job.record.image_size),
                          seed=settings.seed, info=info, frozen=settings.frozen_batchnorm if settings.frozen else None)
    train = face_batches(job.data.store, faces.train, space["values"], settings.batch_size, True, settings.seed)
    val = None if faces.val is None else face_batches(job.data.store, faces.val, space["values"],
                                                      settings.batch_size, False)
    history = fit(model, train, val, settings, Path(job.outputs.backup), Path(job.outputs.history),
                  identity=job.identity())
    temperature = calibrate(job, model, faces.val, space, settings)
    predictions = write_predictions(job, model, faces.test, space, (settings.batch_size, temperature))
    if job.outputs.model:
        Path(job.outputs.model).parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(job.outputs.model) as partial:  # never a cut-off model file
            model.save(partial)
    finish(Path(job.outputs.backup))
    log.info("trained %s %s: %d epochs, %d training faces, %d classes", job.backbone, job.record.chain,
             len(history), len(faces.train), len(space["values"]))
    return TrainingResult(history, predictions, settings, len(faces.train), 0 if faces.val is None else len(faces.val))


def calibrate(job: TrainingJob, model, val: pd.DataFrame | None, space: dict, settings: FitSettings) -> float:
    """Fit the model's temperature on the job's validation faces (`training.calibration`) and
    record it in the model with the validation coverage of the 80 % interval before and after;
    1.0 where nothing is fitted (`none`, or a fold job, which has no validation faces)."""
    stored = label_space_of(model).info  # saved with the model (`agecascade info` shows it)
    if settings.calibration == "none" or val is None or val.empty:
        stored.update({"temperature": 1.0, "calibration": "none" if settings.calibration == "none" else
                       "no validation faces"})
        return 1.0
    probabilities = predict_faces(model, job.data.store, val, settings.batch_size)
    classes = calibration.class_index(space["values"], val["label"])
    temperature = calibration.fit_temperature(probabilities, classes)
    stored.update({"temperature": temperature, "calibration": f"temperature on {len(val)} validation faces"})
    if space["kind"] == "age":
        for suffix, t in (("_uncalibrated", 1.0), ("", temperature)):
            tempered = calibration.temper(probabilities, t)
            stored[f"validation_coverage_80{suffix}"] = calibration.coverage(tempered, space["values"], val["label"],
                                                                             0.8)
    log.info("%s: temperature %.3f fitted on %d validation faces", job.describe(), temperature, len(val))
    return temperature


def write_predictions(job: TrainingJob, model, test: pd.DataFrame | None, space: dict,
                      batching: tuple[int, float]) -> pd.DataFrame | None:
    """Predict the test faces (and every cross-dataset test set, each row's dataset in
    `tested_on`) and write them to the job's predictions file, if it has one. `batching`: the
    batch size and the model's temperature (every row's `temperature`; `p_*` stay the model's own)."""
    if not job.outputs.predictions:
        return None
    batch_size, temperature = batching
    sets = [(job.record.dataset, job.data.store, test)]
    sets += [(t.dataset, t.store, job.data.cross_faces(t)) for t in job.data.cross_tests]
    tables = [predictions_table(rows, predict_faces(model, store, rows, batch_size), space["values"], space["names"])
              .assign(tested_on=dataset) for dataset, store, rows in sets]
    predictions = pd.concat(tables, ignore_index=True).assign(temperature=temperature)
    if job.data.part.protocol_split is None and not job.data.cross_tests:
        predictions = predictions.drop(columns="tested_on")  # a fold's predictions: one dataset
    Path(job.outputs.predictions).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(job.outputs.predictions) as partial:
        predictions.to_csv(partial, index=False)
    return predictions


def train_from_rule(spec: dict, inputs, outputs, threads: int | None = None,
                    runtime: RunOptions | None = None) -> TrainingResult:
    """`run_training` of a `train_stage` / `train_fold` / `train_unified` rule's job (see
    `TrainingJob.from_rule`; `runtime`: the rule's unrecorded `RunOptions`)."""
    return run_training(TrainingJob.from_rule(spec, inputs, outputs, threads, runtime))


def predict_faces(model, store, rows: pd.DataFrame, batch_size: int) -> np.ndarray:
    """Class probabilities of the faces `rows["index"]` of a store, in the order of `rows`."""
    batches = FaceBatches(store, rows["index"], np.zeros(len(rows), dtype=np.int32), batch_size, shuffle=False)
    return training_model(model, stored=batches.image_shape[0]).predict(batches, verbose=0)


def predictions_table(rows: pd.DataFrame, probabilities: np.ndarray, values, names) -> pd.DataFrame:
    """One row per test face: identity, truth, expected value, predicted class, probabilities."""
    table = rows[[c for c in ("index", "source", "subject") if c in rows]].copy()
    table["true"] = rows["label"].to_numpy()
    table["expected"] = expected_age(probabilities, values)
    table["median"] = decision.median(probabilities, values)  # values are ascending (a label space)
    table["predicted_class"] = probabilities.argmax(axis=1)
    table["predicted"] = np.asarray(values)[table["predicted_class"]]
    for j, name in enumerate(names):
        table[f"p_{name}"] = probabilities[:, j]
    return table
