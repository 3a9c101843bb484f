"""Apply a trained age model to photos: detect every face, crop it as in training, predict its age.

Used by `agecascade predict` and, as `agecascade.predict(...)`, from notebooks. A photo goes through
the same code as the training data: `load_rgb` (EXIF orientation, gray/CMYK/alpha pictures), MTCNN,
the study's square crop with a 40% margin, the model's own preprocessing (inside the `.keras` file).
A file that cannot be read or shows no face is reported and skipped; the rest is still processed.
"""

from __future__ import annotations

import io
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from agecascade import calibration, decision
from agecascade.config import dataset_default, schema_default
from agecascade.images import ImageSkip, crop_face, load_rgb
from agecascade.models.files import group_midpoints, load_model_file

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif"}
# photo formats a folder may well hold that Pillow cannot read: found files are named, never ignored
UNSUPPORTED_PHOTO_SUFFIXES = {".heic", ".heif", ".avif", ".jxl", ".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf",
                              ".orf", ".rw2", ".psd", ".svg"}
# the study's margin and MTCNN threshold (the config schema's defaults), used when a model does not
# record its own margin or the command line gives no threshold
DEFAULT_MARGIN = schema_default("margin")
DEFAULT_MIN_CONFIDENCE = dataset_default("min_confidence")
# faces per model call: 4 keeps `predict --annotate` on 24 photos of 41 MP under 1.5 GB with a 224-px
# VGG16 (the model's activations, not the photos, set the peak; docs/measurements.md); raise it on a GPU
DEFAULT_BATCH_SIZE = 4


class OutputError(ValueError):
    """An output location that would overwrite an input or an existing file, or cannot be written."""


# PIL writes these formats; an annotated copy of anything else is written as PNG
WRITABLE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass
class Problem:
    """A file that could not be used, and why."""

    file: str
    reason: str  # missing_file | corrupt_image | no_face
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Predictions:
    """One row per face (`faces`), the files that gave none (`problems`), the files read (`processed`)."""

    faces: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    processed: int = 0


def _problem(path: Path) -> Problem | None:
    """Why `path` cannot be read as a picture, found without opening it (a FIFO would block, a
    symlink loop would not resolve), or None."""
    try:
        mode = path.stat().st_mode  # follows links; a loop raises ELOOP
    except FileNotFoundError:
        return Problem(str(path), "missing_file", str(path))
    except OSError as error:
        return Problem(str(path), "unreadable", error.strerror or str(error))
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        return Problem(str(path), "not_a_regular_file", "a FIFO, socket or device: not read")
    if not os.access(path, os.R_OK):
        return Problem(str(path), "unreadable", "permission denied")
    return None


def find_photos(paths) -> tuple[list[tuple[Path, Path | None]], list[Problem]]:
    """The pictures to process, in a stable (sorted) order, as (file, the searched folder it was
    found in, or None for a file given directly), and what could not be searched or read: files
    given directly whatever their suffix; folders searched recursively for picture suffixes (links
    to folders are not followed), unreadable sub-folders and photos in formats that cannot be read
    (HEIC, RAW, ...: `UNSUPPORTED_PHOTO_SUFFIXES`) reported."""
    found, problems = [], []
    for path in map(Path, paths):
        problem = _problem(path)
        if problem is not None:
            problems.append(problem)
        elif not path.is_dir():
            found.append((path, None))
        else:
            unreadable = []
            for root, folders, files in os.walk(path, onerror=unreadable.append):
                folders.sort()
                for name in sorted(files):
                    file = Path(root) / name
                    if file.suffix.lower() in UNSUPPORTED_PHOTO_SUFFIXES:
                        problems.append(Problem(str(file), "unsupported", f"{file.suffix.lower()[1:].upper()} "
                                                "pictures are not read: convert them to JPEG or PNG"))
                    elif file.suffix.lower() in IMAGE_SUFFIXES:
                        problem = _problem(file)
                        (problems.append(problem) if problem else found.append((file, path)))
            problems += [Problem(e.filename, "unreadable", f"folder not searched: {e.strerror}") for e in unreadable]
    return found, problems


def _found(paths) -> list[tuple[Path, Path | None]]:
    return find_photos(paths)[0]


def annotation_paths(paths, annotate_dir, found=None) -> dict[Path, Path]:
    """Where the annotated copy of each input goes: its path inside the folder it was found in
    (the folder structure is kept), or its name for a file given directly; a format PIL cannot
    write gets `.png` appended (`x.gif` -> `x.gif.png`, never the `x.png` beside it); names that
    still repeat are numbered (`x-2.jpg`)."""
    planned: dict[Path, Path] = {}
    taken: set[Path] = set()
    for file, root in found if found is not None else _found(paths):
        target = Path(annotate_dir) / (file.relative_to(root) if root is not None else file.name)
        if target.suffix.lower() not in WRITABLE_SUFFIXES:
            target = target.with_name(target.name + ".png")
        candidate, n = target, 1
        while candidate.resolve() in taken:
            n += 1
            candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
        taken.add(candidate.resolve())
        planned[file] = candidate
    return planned


def check_outputs(paths, output=None, annotate_dir=None, force: bool = False, found=None) -> dict[Path, Path]:
    """Refuse, before any work, every output that could lose data.

    The table (`output`) and the annotated copies may not be an input photo, lie inside a searched
    folder, or replace an existing file (unless `force`); their folder must exist (the table's) or
    be creatable (the copies'). Returns the annotated copies' paths (`annotation_paths`).

    Raises:
        OutputError: naming the path and what to do.
    """
    found = found if found is not None else _found(paths)
    inputs = {file.resolve() for file, _ in found}
    folders = [Path(p).resolve() for p in paths if Path(p).is_dir()]

    def refuse_inside(path: Path, what: str) -> None:
        resolved = path.resolve()
        if resolved in inputs:
            raise OutputError(f"{what} {path} is one of the input photos: choose another path.")
        for folder in folders:
            if resolved == folder or folder in resolved.parents:
                raise OutputError(f"{what} {path} lies inside the searched folder {folder}: "
                                  "write it elsewhere, so the photos and the results never mix.")

    if output not in (None, "-"):
        output = Path(output)
        refuse_inside(output, "The output file")
        if output.is_dir():
            raise OutputError(f"The output file {output} is a folder: give a file name.")
        if not output.resolve().parent.is_dir():
            raise OutputError(f"The folder of the output file {output} does not exist: create it first.")
        if output.exists() and not force:
            raise OutputError(f"The output file {output} exists: use --force to replace it.")
    if annotate_dir is None:
        return {}
    annotate_dir = Path(annotate_dir)
    if annotate_dir.exists() and not annotate_dir.is_dir():
        raise OutputError(f"--annotate {annotate_dir} is a file, not a folder.")
    refuse_inside(annotate_dir, "The --annotate folder")
    planned = annotation_paths(paths, annotate_dir, found)
    for target in planned.values():
        refuse_inside(target, "An annotated copy")
    existing = [t for t in planned.values() if t.exists()]
    if existing and not force:
        raise OutputError(f"{len(existing)} annotated copies exist already in {annotate_dir} (e.g. {existing[0]}): "
                          "use --force to replace them, or another folder.")
    return planned


def check_arguments(margin: float | None = None, min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                    batch_size: int = DEFAULT_BATCH_SIZE) -> None:
    """Refuse arguments no photo could work with, before anything is loaded."""
    if margin is not None and not 0 <= margin <= 2:
        raise ValueError(f"--margin must be between 0 and 2 (the study: 0.4). Received: {margin}")
    if not 0 < min_confidence <= 1:
        raise ValueError(f"--min-confidence must be in (0, 1] (MTCNN's confidence). Received: {min_confidence}")
    if batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1. Received: {batch_size}")


class AgePredictor:
    """A loaded age model plus a face detector.

    Args:
        model: a `.keras` file written by the workflow (`results/models/...`, or a kept fold model).
        margin: crop margin around the detected face (default: the model's, else the study's 0.4).
        min_confidence: MTCNN detections below this are ignored.
        batch_size: faces per model call.
        probabilities: add the whole age distribution to the table (one `p_<age>` column per class).
        uncalibrated: give the model's own distribution (interval and probabilities) instead of
            the one at the temperature fitted on its validation faces (`training.calibration`).
    """

    def __init__(self, model, margin: float | None = None, min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                 batch_size: int = DEFAULT_BATCH_SIZE, probabilities: bool = False, uncalibrated: bool = False):
        from agecascade.data.faces import FaceDetector
        from agecascade.models.head import label_space_of

        check_arguments(margin, min_confidence, batch_size)
        self.model_path = str(model)
        self.model = load_model_file(model)
        space = label_space_of(self.model)
        self.kind, self.names = space.kind, list(space.names)
        self.ages = group_midpoints(self.names) if self.kind == "group" else np.asarray(space.values)
        self.info = dict(space.info)
        self.image_size = int(self.model.input_shape[1])
        self.margin = float(margin if margin is not None else self.info.get("margin", DEFAULT_MARGIN))
        self.batch_size = int(batch_size)
        self.probabilities = bool(probabilities)  # a p_<age> column per class in the table
        # the interval and probabilities given: at the model's fitted temperature (1.0: as it is)
        self.temperature = 1.0 if uncalibrated else float(self.info.get("temperature", 1.0))
        import tensorflow as tf

        device = "GPU:0" if tf.config.list_physical_devices("GPU") else "CPU:0"
        self.detector = FaceDetector(device=device, min_confidence=min_confidence, single_thread=False)

    def _faces_of(self, path: Path):
        """(picture, [(box, confidence), ...]) of one file; raises ImageSkip."""
        image = load_rgb(path)
        faces = self.detector.detect_all(image)  # on a reduced copy; boxes in full-size pixels
        if not faces:
            raise ImageSkip("no_face", f"no face with confidence >= {self.detector.min_confidence}")
        return image, faces

    def predict_batch(self, crops: list[np.ndarray]) -> np.ndarray:
        return np.asarray(self.model.predict_on_batch(np.stack(crops).astype("float32")))

    def predict(self, paths, progress: bool | None = None, annotate_dir=None, force: bool = False,
                on_rows=None) -> Predictions:
        """Predict the age of every face in `paths` (files and folders).

        Args:
            paths: picture files and/or folders (searched recursively).
            progress: show a progress bar (None: only on a terminal).
            annotate_dir: if given, copies of the pictures with boxes and ages drawn go there
                (`annotation_paths`); checked first (`check_outputs`), never onto an input.
            force: replace annotated copies that exist already.
            on_rows: if given, called with each batch's rows (a table) as soon as they are
                predicted, and the rows are not kept (`Predictions.faces` is then empty): for runs
                over millions of photos that write as they go.

        Returns:
            `Predictions`: a table with one row per face (file, face, x1, y1, x2, y2, confidence,
            age; for age-group models also `group` and one `p_<group>` column per group), and the
            files skipped with their reason.
        """
        from tqdm import tqdm

        found, problems = find_photos(paths)  # in reading order (check_outputs gets the same list)
        planned = check_outputs(paths, None, annotate_dir, force, found) if annotate_dir is not None else {}
        pending = _PendingFaces(self, planned, on_rows)
        processed = 0
        for problem in problems:
            log.info("skipped %s", problem)
        for path, _ in tqdm(found, desc="photos", unit="photo", disable=None if progress is None else not progress):
            try:
                image, faces = self._faces_of(path)
            except ImageSkip as skip:
                problems.append(Problem(str(path), skip.reason, str(skip).partition(": ")[2]))
                log.info("skipped %s", problems[-1])
                processed += skip.reason == "no_face"  # read, and shows no face
                continue
            processed += 1
            pending.add(path, image, faces)
            del image  # a full-size photo is held no longer than its faces' crops take
        pending.flush()
        return Predictions(pending.table(), problems, processed)

    def table(self, rows, probabilities) -> pd.DataFrame:
        """One row per face: the box, the expected age and the posterior median (the model's own
        distribution: point estimates are never changed by calibration), the 80 % interval of the
        age distribution at the model's temperature (`agecascade.decision`; group models: over the
        group midpoints), the group, the probabilities at that temperature (group models always,
        age models with `probabilities`), and the `temperature` applied (1.0: the model's own)."""
        columns = ["file", "face", "x1", "y1", "x2", "y2", "confidence", "age", "age_median", "age_low", "age_high"]
        if self.kind == "group":
            columns += ["group"]
        if self.kind == "group" or self.probabilities:
            columns += [f"p_{n}" for n in self.names]
        columns += ["temperature"]
        if not rows:
            return pd.DataFrame(columns=columns)
        p = np.concatenate(probabilities)
        calibrated = calibration.temper(p, self.temperature)
        table = pd.DataFrame(rows)
        order = np.argsort(self.ages, kind="stable")  # the distribution over ascending ages
        table["age"] = np.round(decision.expected(p, self.ages), 2)
        table["age_median"] = decision.median(p[:, order], self.ages[order])
        table["age_low"], table["age_high"] = decision.interval(calibrated[:, order], self.ages[order])
        if self.kind == "group":
            table["group"] = [self.names[i] for i in p.argmax(axis=1)]
        for i, name in enumerate(self.names):
            table[f"p_{name}"] = np.round(calibrated[:, i], 4)
        table["temperature"] = round(self.temperature, 4)
        return table[columns]


class _PendingFaces:
    """Faces waiting for the model (their rows and crops) and the photos waiting for their faces'
    ages to be drawn (their paths: each is read again when drawn, so one full-size photo at a time
    is in memory); `flush` predicts a batch in one model call."""

    def __init__(self, predictor: AgePredictor, planned: dict, on_rows=None):
        self.predictor, self.planned, self.on_rows = predictor, planned, on_rows
        self.rows, self.crops, self.photos, self.tables = [], [], [], []

    def add(self, path: Path, image, faces) -> None:
        first_row = len(self.rows)
        for k, (box, confidence) in enumerate(faces):
            self.crops.append(crop_face(image, box, self.predictor.margin, self.predictor.image_size))
            self.rows.append({"file": str(path), "face": k, "x1": box[0], "y1": box[1], "x2": box[2],
                              "y2": box[3], "confidence": round(confidence, 4)})
        if self.planned:
            self.photos.append((path, first_row, len(self.rows)))
        if len(self.crops) >= self.predictor.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.crops:
            return
        table = self.predictor.table(self.rows, [self.predictor.predict_batch(self.crops)])
        photos = self.photos
        self.rows, self.crops, self.photos = [], [], []
        if self.on_rows is not None:
            self.on_rows(table)  # handed on, not kept; written before the copies, which may fail
        else:
            self.tables.append(table)
        for path, start, stop in photos:  # read again, draw, write and drop, one picture at a time
            try:
                annotate(load_rgb(path), table.iloc[start:stop], self.planned[path])
            except ImageSkip as skip:  # changed since it was read
                log.warning("not annotated: %s", skip)

    def table(self) -> pd.DataFrame:
        return pd.concat(self.tables, ignore_index=True) if self.tables else self.predictor.table([], [])


def annotate(image, faces: pd.DataFrame, out_path: Path) -> None:
    """Draw each face's box, predicted age and its 80 % interval (`age [low-high]`) on `image` (in
    place: no second full-size copy of a large photo is made) and write it to `out_path`."""
    from PIL import Image, ImageDraw, ImageFont

    from agecascade.outputs import atomic_path, write_bytes

    draw = ImageDraw.Draw(image)
    width = max(2, round(min(image.size) / 200))
    font = ImageFont.load_default(size=max(12, round(min(image.size) / 25)))
    for face in faces.itertuples():
        box = (face.x1, face.y1, face.x2, face.y2)
        draw.rectangle(box, outline=(255, 40, 40), width=width)
        # the age, its 80 % interval, and the group of a group model
        label = (f"{face.age:.0f} [{face.age_low:.0f}-{face.age_high:.0f}]"
                 + (f" ({face.group})" if hasattr(face, "group") else ""))
        left, top, right, bottom = draw.textbbox((face.x1, face.y1), label, font=font)
        y = max(0, face.y1 - (bottom - top) - 2 * width)
        draw.rectangle((face.x1, y, face.x1 + right - left + 2 * width, y + bottom - top + 2 * width),
                       fill=(255, 40, 40))
        draw.text((face.x1 + width, y + width - (top - face.y1)), label, fill=(255, 255, 255), font=font)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # encoded in memory, then written with every byte checked: Pillow's encoders do not notice a short
    # write, and a full disk must not leave a cut-off picture under the final name
    encoded = io.BytesIO()
    image.save(encoded, format=Image.registered_extensions().get(out_path.suffix.lower()))
    with atomic_path(out_path) as partial:
        write_bytes(partial, encoded.getbuffer())


def predict(paths, model, margin: float | None = None, min_confidence: float = DEFAULT_MIN_CONFIDENCE,
            batch_size: int = DEFAULT_BATCH_SIZE,
            progress: bool | None = None, annotate_dir=None, force: bool = False) -> pd.DataFrame:
    """Ages of every face in the pictures `paths` (files or folders), as a table.

    >>> import agecascade
    >>> agecascade.predict(["photos/"], model="results/models/vgg16/imdb-agedb.keras")

    The files skipped (unreadable, no face) are in `table.attrs["problems"]` and logged.
    See `AgePredictor.predict` for the columns.
    """
    check_outputs(paths, None, annotate_dir, force)  # before the model loads (AgePredictor checks the arguments)
    result = AgePredictor(model, margin, min_confidence, batch_size).predict(paths, progress, annotate_dir, force)
    result.faces.attrs["problems"] = [str(p) for p in result.problems]
    for problem in result.problems:
        log.warning("skipped %s", problem)
    return result.faces
