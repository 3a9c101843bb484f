"""Raw dataset -> face store + manifest + report (the `prepare` rule, one job per dataset).

Pictures are decoded, made RGB, the face is located (from the metadata for IMDB, by MTCNN for
AgeDB and FG-NET, already aligned for Adience), cropped with the margin and resized, in as many
worker processes as the rule has threads. The parent process writes faces to the HDF5 store and
rows to the manifest as they arrive, in input order, so memory does not grow with the dataset.
"""

from __future__ import annotations

import csv
import json
import logging
import multiprocessing
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agecascade import thesis
from agecascade.config import dataset_default, schema_default
from agecascade.data.store import FaceStoreWriter
from agecascade.data.registry import read_records
from agecascade.download import read_marker, unchecked_sources
from agecascade.outputs import write_text
from agecascade.logs import Progress
from agecascade.data.database_pictures import with_aligned_boxes
from agecascade.images import (ImageSkip, aligned_crop, aligned_side, crop_face, load_rgb, margin_box,
                               padding_fraction, read_face)

log = logging.getLogger(__name__)

MANIFEST_COLUMNS = ("source", "subject", "age", "age_group", "fold", "gender", "detector",
                    "face_found", "confidence", "padding")
# A face whose crop is more than half black padding is "mostly padding"; more than 1 % of such
# faces stops preparation (the face boxes do not fit the pictures: wrong detector setting).
MOSTLY_PADDING = 0.5
MAX_MOSTLY_PADDING_SHARE = 0.01


@dataclass(frozen=True)
class PrepareOptions:
    """How faces are located and cropped.

    Attributes:
        image_size: side of the stored faces in pixels.
        margin: margin around the face box, as a fraction of its side (study: 0.4).
        detector: "metadata" (box from the dataset), "mtcnn", or "none" (whole picture).
        no_face: with MTCNN, what happens when no face is found: "drop" (count and skip; for
            training sets) or "keep" (keep the whole picture with face_found = false; for
            benchmarks, which must never shrink silently).
        min_confidence: MTCNN detections below this count as no face.
        crop: "margin" (the thesis' square around the located face) or "aligned_bbox" (the
            unified benchmark's: the database file's rotated box, `images.aligned_crop`; no
            detector runs, and the store keeps the input size x 1.1 for random crops).
    """

    image_size: int = field(default_factory=lambda: schema_default("image_size"))
    margin: float = field(default_factory=lambda: schema_default("margin"))
    detector: str = "none"
    no_face: str = field(default_factory=lambda: dataset_default("no_face"))
    min_confidence: float = field(default_factory=lambda: dataset_default("min_confidence"))
    crop: str = "margin"

    @property
    def stored_size(self) -> int:
        """The side of the stored faces: the input size, or x 1.1 for `aligned_bbox`."""
        return aligned_side(self.image_size) if self.crop == "aligned_bbox" else self.image_size


DETECTORS = ("metadata", "mtcnn", "none")

# Per worker process: set by _init_worker.
_state: dict = {}


def _init_worker(options: PrepareOptions) -> None:
    _state["options"] = options
    if options.detector == "mtcnn" and options.crop == "margin":
        from agecascade.data.faces import FaceDetector

        _state["detector"] = FaceDetector(min_confidence=options.min_confidence)


def process_picture(task: tuple[str, tuple | None]) -> tuple[str, np.ndarray | None, dict]:
    """Load, locate, crop and resize one picture (runs in a worker process).

    Returns:
        ("ok", face, fields) or (skip reason, None, {}).
    """
    path, box = task
    options: PrepareOptions = _state["options"]
    fields = {"detector": options.detector, "face_found": True, "confidence": "", "padding": 0.0}
    try:
        if options.crop == "aligned_bbox":  # the database's box: no detector
            face = aligned_crop(load_rgb(path, upright=False), box, options.image_size)
            return "ok", face, {**fields, "detector": "aligned_bbox"}
        if options.detector != "mtcnn":  # the box is known before decoding (or is the picture)
            box = box if options.detector == "metadata" else None
            face, padding = read_face(path, box, options.margin, options.image_size)
            return "ok", face, {**fields, "padding": round(padding, 4)}
        image = load_rgb(path)
    except ImageSkip as skip:
        return skip.reason, None, {}
    found = _state["detector"].detect(image)  # on a reduced copy; the crop comes from the full picture
    if found is None:
        if options.no_face == "drop":
            return "no_face_detected", None, {}
        box, fields["face_found"] = None, False
    else:
        box, confidence = found
        fields["confidence"] = round(confidence, 4)
        fields["padding"] = round(padding_fraction(margin_box(box, options.margin), image.size), 4)
    return "ok", crop_face(image, box, options.margin, options.image_size), fields


def _pool(options: PrepareOptions, threads: int):
    """Worker processes, or None to work in this process.

    Workers are forked (cheap, and a Snakemake script cannot be re-imported by "spawn"), unless
    this process already runs TensorFlow, which does not survive a fork: then they are spawned.
    """
    if threads <= 1:
        _init_worker(options)
        return None
    method = "spawn" if "tensorflow" in sys.modules else "fork"
    context = multiprocessing.get_context(method)
    return context.Pool(threads, initializer=_init_worker, initargs=(options,))


class PaddingError(RuntimeError):
    """Too many face crops lie mostly outside their pictures."""


def padding_summary(paddings) -> dict:
    """Distribution of the per-face padding fractions, and how many faces are mostly padding."""
    values = np.asarray(paddings, dtype=float)
    if values.size == 0:
        return {"faces": 0}
    mostly = int((values > MOSTLY_PADDING).sum())
    return {"faces": int(values.size), "mean": round(float(values.mean()), 4),
            **{f"p{q}": round(float(np.percentile(values, q)), 4) for q in (50, 90, 99)},
            "max": round(float(values.max()), 4), "mostly_padding": mostly,
            "mostly_padding_share": round(mostly / values.size, 4)}


def check_padding(summary: dict, dataset: str, final: bool) -> None:
    """Stop when more than 1 % of the faces (5 % after the first 1,000, to stop early) are mostly
    padding: the face boxes do not fit the pictures."""
    limit = MAX_MOSTLY_PADDING_SHARE if final else 5 * MAX_MOSTLY_PADDING_SHARE
    if summary.get("faces", 0) and (final or summary["faces"] >= 1000) and summary["mostly_padding_share"] > limit:
        raise PaddingError(
            f"{dataset}: {summary['mostly_padding']} of {summary['faces']} face crops "
            f"({100 * summary['mostly_padding_share']:.1f} %) lie mostly outside their pictures (median "
            f"padding {summary['p50']:.2f}). The face boxes do not fit these pictures: check "
            f"datasets.{dataset}.detector (IMDB's faces-only archive imdb_crop.tar needs 'none', "
            f"its full photographs 'metadata')."
        )


def write_faces(records, options: PrepareOptions, store_path: Path, manifest_path: Path,
                threads: int = 1, attrs: dict | None = None, dataset: str = "") -> tuple[dict, dict, list]:
    """Process `records` into the face store and manifest.

    Returns:
        Skip counts per reason, the padding summary (`padding_summary`), and the skipped pictures
        (`{source, reason}` each).

    Raises:
        PaddingError: too many crops are mostly padding (`check_padding`).
    """
    if options.detector not in DETECTORS:
        raise ValueError(f"detector must be one of {DETECTORS}. Received: {options.detector!r}")
    boxes = records["corners"] if options.crop == "aligned_bbox" else (
        records["box"] if "box" in records else [None] * len(records))
    tasks = list(zip(records["path"], boxes))
    skipped: dict[str, int] = {}
    skipped_files: list[dict] = []
    paddings: list[float] = []
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    progress = Progress("pictures", len(tasks), f"prepare {dataset}".strip())
    pool = _pool(options, threads)  # before any file is open, so workers inherit none
    results = map(process_picture, tasks) if pool is None else pool.imap(process_picture, tasks, chunksize=16)
    try:
        with FaceStoreWriter(store_path, options.stored_size, attrs) as store, open(
            manifest_path, "w", newline=""
        ) as handle:
            writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for row, (status, face, fields) in zip(records.to_dict("records"), results):
                progress.update(1, f"kept {len(paddings) + (status == 'ok'):,}")
                if status != "ok":
                    skipped[status] = skipped.get(status, 0) + 1
                    skipped_files.append({"source": row["source"], "reason": status})
                    continue
                store.append(face)
                writer.writerow({**{k: row.get(k, "") for k in MANIFEST_COLUMNS}, **fields})
                paddings.append(fields["padding"])
                if len(paddings) % 1000 == 0:
                    check_padding(padding_summary(paddings), dataset, final=False)
    finally:
        if pool is not None:
            pool.terminate()
    progress.update(0, f"kept {len(paddings):,}", final=True)
    padding = padding_summary(paddings)
    check_padding(padding, dataset, final=True)
    return skipped, padding, skipped_files


def read_pictures(dataset: str, marker, options: PrepareOptions, parsing: dict):
    """The dataset's pictures as (records, dropped counts), with their `aligned_bbox` corners
    where the crop needs them (`prepare_dataset`'s `parsing`)."""
    label_policy = parsing.get("label_policy") or dataset_default("label_policy")
    cleaning = {**dataset_default("cleaning"), **(parsing.get("cleaning") or {})}
    records, dropped = read_records(dataset, read_marker(marker), label_policy, cleaning, parsing.get("database"))
    if options.crop == "aligned_bbox":
        records, dropped = with_aligned_boxes(records, parsing.get("database"), dropped)
    return records, dropped


def prepare_dataset(dataset: str, marker: str | Path, store_path: str | Path,
                    manifest_path: str | Path, report_path: str | Path,
                    options: PrepareOptions, threads: int = 1, parsing: dict | None = None) -> dict:
    """Prepare one dataset: parse, clean, crop faces, write store, manifest and report.

    Args:
        dataset: imdb, agedb, fgnet or adience.
        marker: the download rule's `dataset.json` (where the raw files are).
        store_path, manifest_path, report_path: outputs (docs/data.md).
        options: face location and crop settings.
        threads: worker processes.
        parsing: dataset-specific parsing settings (`Study.parse_options`): Adience's
            `label_policy` (`strict` or `nearest`), IMDB's `cleaning` thresholds (min_face_score,
            min_age, max_age), the unified-benchmark `database` file (a dataset read from it, or
            cropped by its `aligned_bbox`); absent keys take the config schema's defaults.

    Returns:
        The report: input rows, kept faces, and counts per drop reason.
    """
    started = time.perf_counter()
    records, dropped = read_pictures(dataset, marker, options, parsing or {})
    n_parsed = len(records)
    skipped, padding, skipped_files = write_faces(records, options, Path(store_path), Path(manifest_path), threads,
                                   attrs={"dataset": dataset, "margin": options.margin, "crop": options.crop,
                                          "detector": options.detector}, dataset=dataset)
    kept = n_parsed - sum(skipped.values())
    report = {
        "dataset": dataset,
        "input_rows": n_parsed + sum(dropped.values()),
        "kept": kept,
        "thesis": thesis.DATASET_COUNTS.get(dataset, {}).get("text"),
        "dropped": {**{k: v for k, v in dropped.items() if v}, **skipped},
        "padding": padding,
        "sources_without_checksum": unchecked_sources(marker),
        # every picture or label line that was skipped, with its reason (the metadata cleaning of
        # IMDB is only counted: its rules are in imdb.mat for anyone to recompute)
        "skipped_files": records.attrs.get("skipped", []) + skipped_files,
        "options": options.__dict__,
        "threads": threads,
        "seconds": round(time.perf_counter() - started, 2),
        "images_per_second": round(kept / max(time.perf_counter() - started, 1e-9), 2),
    }
    if kept == 0:
        raise RuntimeError(f"{dataset}: no picture could be prepared; see the counts {report['dropped']}.")
    write_text(report_path, json.dumps(report, indent=2) + "\n")
    log.info("%s: kept %d of %d rows; dropped %s", dataset, kept, report["input_rows"], report["dropped"])
    return report
