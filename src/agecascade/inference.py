"""Apply a trained age model to photos: detect every face, crop it as in training, predict its age.

Used by `agecascade predict` and, as `agecascade.predict(...)`, from notebooks. A photo goes through
the same code as the training data: `load_rgb` (EXIF orientation, gray/CMYK/alpha pictures), MTCNN,
the study's square crop with a 40% margin, the model's own preprocessing (inside the `.keras` file).
A file that cannot be read or shows no face is reported and skipped; the rest is still processed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from agecascade.images import ImageSkip, crop_face, load_rgb

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif"}
DEFAULT_MARGIN = 0.4  # the study's margin, used when a model does not record its own


class ModelFileError(ValueError):
    """A file that is not an agecascade age model."""


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


def find_images(paths) -> list[Path]:
    """The files to process: files as given (whatever their suffix), folders searched recursively
    for picture suffixes, in a stable (sorted) order."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            files.append(path)  # a missing or non-picture file is reported when read
    return files


def group_midpoints(names) -> np.ndarray:
    """Age (years) standing for each age-group class: the middle of "low-high"."""
    middles = []
    for name in names:
        low, _, high = str(name).partition("-")
        try:
            middles.append((float(low) + float(high)) / 2.0)
        except ValueError as error:
            raise ModelFileError(f"Age group name {name!r} is not 'low-high'.") from error
    return np.asarray(middles)


def load_model_file(path):
    """Load an agecascade `.keras` age model, with a clear error for anything else.

    Raises:
        FileNotFoundError: no such file.
        ModelFileError: not a Keras model, or a Keras model without agecascade's label space.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file not found: {path}")
    from agecascade.models.head import label_space_of
    from agecascade.training import load_age_model

    try:
        model = load_age_model(path)
    except Exception as error:  # Keras raises ValueError, OSError, zipfile errors, ... for foreign files
        raise ModelFileError(f"{path} is not a Keras age model saved by agecascade ({type(error).__name__}: "
                             f"{str(error).splitlines()[0] if str(error) else ''})") from error
    try:
        label_space_of(model)
    except ValueError as error:
        raise ModelFileError(f"{path} is a Keras model but not an agecascade age model "
                             "(it has no label_space layer).") from error
    return model


class AgePredictor:
    """A loaded age model plus a face detector.

    Args:
        model: a `.keras` file written by the workflow (`results/models/...`, or a kept fold model).
        margin: crop margin around the detected face (default: the model's, else the study's 0.4).
        min_confidence: MTCNN detections below this are ignored.
        batch_size: faces per model call.
    """

    def __init__(self, model, margin: float | None = None, min_confidence: float = 0.9, batch_size: int = 32):
        from agecascade.data.faces import FaceDetector
        from agecascade.models.head import label_space_of

        self.model_path = str(model)
        self.model = load_model_file(model)
        space = label_space_of(self.model)
        self.kind, self.names = space.kind, list(space.names)
        self.ages = group_midpoints(self.names) if self.kind == "group" else np.asarray(space.values)
        self.info = dict(space.info)
        self.image_size = int(self.model.input_shape[1])
        self.margin = float(margin if margin is not None else self.info.get("margin", DEFAULT_MARGIN))
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1. Received: batch_size={batch_size}")
        import tensorflow as tf

        device = "GPU:0" if tf.config.list_physical_devices("GPU") else "CPU:0"
        self.detector = FaceDetector(device=device, min_confidence=min_confidence, single_thread=False)

    def _faces_of(self, path: Path):
        """(picture, [(box, confidence), ...]) of one file; raises ImageSkip."""
        image = load_rgb(path)
        faces = self.detector.detect_all(np.asarray(image))
        if not faces:
            raise ImageSkip("no_face", f"no face with confidence >= {self.detector.min_confidence}")
        return image, faces

    def _predict_batch(self, crops: list[np.ndarray]) -> np.ndarray:
        return np.asarray(self.model.predict_on_batch(np.stack(crops).astype("float32")))

    def predict(self, paths, progress: bool | None = None, annotate_dir=None) -> Predictions:
        """Predict the age of every face in `paths` (files and folders).

        Args:
            paths: picture files and/or folders (searched recursively).
            progress: show a progress bar (None: only on a terminal).
            annotate_dir: if given, copies of the pictures with boxes and ages drawn go there.

        Returns:
            `Predictions`: a table with one row per face (file, face, x1, y1, x2, y2, confidence,
            age; for age-group models also `group` and one `p_<group>` column per group), and the
            files skipped with their reason.
        """
        from tqdm import tqdm

        files = find_images(paths)
        rows, crops, problems, processed = [], [], [], 0
        probabilities: list[np.ndarray] = []
        pending_annotations = []

        def flush():
            if crops:
                probabilities.append(self._predict_batch(crops))
                crops.clear()

        for path in tqdm(files, desc="photos", unit="photo", disable=None if progress is None else not progress):
            try:
                image, faces = self._faces_of(path)
            except ImageSkip as skip:
                problems.append(Problem(str(path), skip.reason, str(skip).partition(": ")[2]))
                log.info("skipped %s", problems[-1])
                if skip.reason == "no_face":
                    processed += 1
                continue
            processed += 1
            first_row = len(rows)
            for k, (box, confidence) in enumerate(faces):
                crops.append(crop_face(image, box, self.margin, self.image_size))
                rows.append({"file": str(path), "face": k, "x1": box[0], "y1": box[1], "x2": box[2],
                             "y2": box[3], "confidence": round(confidence, 4)})
                if len(crops) >= self.batch_size:
                    flush()
            if annotate_dir is not None:
                pending_annotations.append((path, image, first_row, len(rows)))
        flush()
        table = self._table(rows, probabilities)
        if annotate_dir is not None:
            names = _unique_names([p for p, *_ in pending_annotations])
            for (path, image, start, stop), name in zip(pending_annotations, names):
                annotate(image, table.iloc[start:stop], Path(annotate_dir) / name)
        return Predictions(table, problems, processed)

    def _table(self, rows, probabilities) -> pd.DataFrame:
        columns = ["file", "face", "x1", "y1", "x2", "y2", "confidence", "age"]
        if self.kind == "group":
            columns += ["group"] + [f"p_{n}" for n in self.names]
        if not rows:
            return pd.DataFrame(columns=columns)
        p = np.concatenate(probabilities)
        table = pd.DataFrame(rows)
        table["age"] = np.round(p @ self.ages, 2)
        if self.kind == "group":
            table["group"] = [self.names[i] for i in p.argmax(axis=1)]
            for i, name in enumerate(self.names):
                table[f"p_{name}"] = np.round(p[:, i], 4)
        return table[columns]


def _unique_names(paths) -> list[str]:
    """Output file names for annotated copies: the source name, numbered where names repeat."""
    seen: dict[str, int] = {}
    names = []
    for path in paths:
        name = Path(path).name
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(name if count == 0 else f"{Path(path).stem}-{count + 1}{Path(path).suffix}")
    return names


def annotate(image, faces: pd.DataFrame, out_path: Path) -> None:
    """Write a copy of `image` with each face's box and predicted age drawn on it."""
    from PIL import ImageDraw, ImageFont

    image = image.copy()
    draw = ImageDraw.Draw(image)
    width = max(2, round(min(image.size) / 200))
    font = ImageFont.load_default(size=max(12, round(min(image.size) / 25)))
    for face in faces.itertuples():
        box = (face.x1, face.y1, face.x2, face.y2)
        draw.rectangle(box, outline=(255, 40, 40), width=width)
        label = f"{face.age:.0f}" + (f" ({face.group})" if hasattr(face, "group") else "")
        left, top, right, bottom = draw.textbbox((face.x1, face.y1), label, font=font)
        y = max(0, face.y1 - (bottom - top) - 2 * width)
        draw.rectangle((face.x1, y, face.x1 + right - left + 2 * width, y + bottom - top + 2 * width),
                       fill=(255, 40, 40))
        draw.text((face.x1 + width, y + width - (top - face.y1)), label, fill=(255, 255, 255), font=font)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.suffix.lower() not in {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}:
        out_path = out_path.with_suffix(".png")
    image.save(out_path)


def predict(paths, model, margin: float | None = None, min_confidence: float = 0.9, batch_size: int = 32,
            progress: bool | None = None, annotate_dir=None) -> pd.DataFrame:
    """Ages of every face in the pictures `paths` (files or folders), as a table.

    >>> import agecascade
    >>> agecascade.predict(["photos/"], model="results/models/vgg16/imdb-agedb.keras")

    The files skipped (unreadable, no face) are in `table.attrs["problems"]` and logged.
    See `AgePredictor.predict` for the columns.
    """
    result = AgePredictor(model, margin, min_confidence, batch_size).predict(paths, progress, annotate_dir)
    result.faces.attrs["problems"] = [str(p) for p in result.problems]
    for problem in result.problems:
        log.warning("skipped %s", problem)
    return result.faces


def model_info(path) -> dict:
    """What a saved model is: backbone, chain, label space, preprocessing, training data, metrics.

    Metrics come from the files the workflow writes beside the model: a stage model's
    `<chain>.history.csv`, a kept fold model's `history.csv` and its variant's `metrics.csv`.
    """
    from agecascade.models.head import label_space_of

    path = Path(path)
    model = load_model_file(path)
    space = label_space_of(model)
    info = dict(space.info)
    backbone = model.get_layer("backbone")
    preprocess = [layer for layer in backbone.layers if type(layer).__name__ == "FacePreprocess"]
    report = {
        "file": str(path),
        "backbone": info.get("backbone"),
        "chain": info.get("chain"),
        "variant": info.get("variant"),
        "label_space": {"kind": space.kind, "classes": len(space.values), "names": list(space.names)},
        "input": {"image_size": int(model.input_shape[1]), "channels": "RGB 0-255",
                  "preprocessing": (f"keras-vggface v{preprocess[0].version} (RGB->BGR, channel means)"
                                    if preprocess else "none")},
        "parameters": int(model.count_params()),
        "training_data": {k: info[k] for k in ("dataset", "benchmark", "fold", "parent") if k in info},
        "settings": info.get("settings", {}),
        "metrics": _recorded_metrics(path, info),
    }
    return report


def _recorded_metrics(path: Path, info: dict) -> dict:
    metrics: dict = {}
    history = path.with_name(path.name.removesuffix(".keras") + ".history.csv")
    if not history.exists():
        history = path.with_name("history.csv")
    if history.exists():
        table = pd.read_csv(history)
        metrics["epochs"] = int(len(table))
        for column in ("loss", "val_loss"):
            if column in table and table[column].notna().any():
                metrics[f"final_{column}"] = round(float(table[column].iloc[-1]), 4)
    variant_metrics = path.parent.parent / "metrics.csv"
    if "fold" in info and variant_metrics.exists():
        table = pd.read_csv(variant_metrics, dtype={"fold": str})
        row = table[table["fold"] == str(info["fold"])]
        if len(row):
            metrics["test_fold"] = {k: (round(v, 4) if isinstance(v, float) else v)
                                    for k, v in row.iloc[0].dropna().to_dict().items()}
    return metrics


def to_json(report) -> str:
    return json.dumps(report, indent=2, default=str)
