"""Datasets without a parser of their own (UTKFace, AFAD, MORPH, CACD2000, CLAP2016): their
pictures found from the database file's `img_path`, cropped by its `aligned_bbox`, on folders and
database files written here in the published shape (../shared/reference/unified-benchmark.md)."""

import json

import h5py
import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw

from agecascade.data.prepare import PrepareOptions, prepare_dataset
from agecascade.download import download_dataset


def _picture(path, box):
    """A grey picture with a white square face at `box` (x1, y1, x2, y2, 0-based inclusive)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (120, 100), (80, 80, 80))
    ImageDraw.Draw(image).rectangle(box, fill=(255, 255, 255))
    image.save(path)


def _corners(box):
    x1, y1, x2, y2 = (v + 1 for v in box)  # 1-based, as the database files
    return [x1, y1, x2, y1, x2, y2, x1, y2]  # A top-left, B top-right, C bottom-right, D bottom-left


def _utkface(tmp_path):
    """An archive-like folder unlike the database's prefix, and its `_aligned` database file: one
    entry without a box, one without a picture, a name held by two pictures in two folders."""
    root = tmp_path / "UTKFace-archive"
    entries = []
    for k, age in enumerate((23, 35, 61)):
        name = f"{age}_{k % 2}_0_2017010{k}.jpg.chip.jpg"
        _picture(root / "part1" / name, (30, 20, 69, 59))
        entries.append({"img_path": f"UTKFace/{name}", "id_num": k, "age": age, "gender": "F", "folder": k,
                        "database": "UTKFace", "aligned_bbox": _corners((30, 20, 69, 59))})
    _picture(root / "part1" / "9_1_0_x.jpg", (0, 0, 10, 10))
    entries.append({"img_path": "UTKFace/9_1_0_x.jpg", "id_num": 9, "age": 9, "folder": 4, "aligned_bbox": []})
    entries.append({"img_path": "UTKFace/70_0_0_gone.jpg", "id_num": 7, "age": 70, "folder": 5,
                    "aligned_bbox": _corners((1, 1, 9, 9))})
    for folder in ("part1", "part2"):  # the same name twice: the entry's path does not tell which
        _picture(root / folder / "40_1_0_twice.jpg", (30, 20, 69, 59))
    entries.append({"img_path": "Other/40_1_0_twice.jpg", "id_num": 4, "age": 40, "folder": 6,
                    "aligned_bbox": _corners((30, 20, 69, 59))})
    (tmp_path / "UTKFace_aligned.json").write_text(json.dumps(entries))
    download_dataset("utkface", {"source": str(root)}, tmp_path / "raw", tmp_path / "dl")
    return tmp_path / "raw" / "dataset.json", tmp_path / "UTKFace_aligned.json"


def test_a_dataset_is_read_from_its_database_file_and_cropped_by_its_aligned_box(tmp_path):
    marker, database = _utkface(tmp_path)
    out = tmp_path / "faces"
    options = PrepareOptions(image_size=40, crop="aligned_bbox")
    report = prepare_dataset("utkface", marker, out / "u.h5", out / "u.csv", out / "u.json", options,
                             parsing={"database": str(database)})
    manifest = pd.read_csv(out / "u.csv", dtype={"subject": str})
    assert sorted(manifest["age"]) == [23, 35, 61] and set(manifest["subject"]) == {"0", "1", "2"}
    assert manifest["source"].str.startswith("part1/").all()  # found despite the database's prefix
    assert report["dropped"] == {"no_aligned_bbox": 1, "entry_without_picture": 1,
                                 "name_matches_several_pictures": 1}
    reasons = {s["source"]: s["reason"] for s in report["skipped_files"]}
    assert reasons["Other/40_1_0_twice.jpg"] == "name_matches_several_pictures"
    with h5py.File(out / "u.h5") as store:
        faces = store["images"][:]
    assert faces.shape == (3, 44, 44, 3)  # the input size x 1.1, for the training's random crops
    # the white box fills the central 40 x 40 (pixels 2-41), grey around it
    white = faces[0].min(axis=2) > 200
    rows = np.nonzero(white.any(axis=1))[0]
    assert rows.min() == pytest.approx(2, abs=1.5) and rows.max() == pytest.approx(41, abs=1.5)


def test_a_dataset_read_from_its_database_file_needs_it(tmp_path):
    from agecascade.download import SourceError

    marker, _ = _utkface(tmp_path)
    with pytest.raises(SourceError, match=r"utkface is read from its database file \(datasets.utkface.protocol_file\)"):
        prepare_dataset("utkface", marker, tmp_path / "u.h5", tmp_path / "u.csv", tmp_path / "u.json",
                        PrepareOptions(image_size=40, crop="aligned_bbox"))


def test_a_second_configuration_of_a_dataset_answers_to_its_tag():
    from agecascade.datasets import dataset

    aligned = dataset("agedb_aligned")
    assert (aligned.parser, aligned.tag, aligned.label) == ("agedb", "AgeDB", "AgeDB (aligned)")
    with pytest.raises(ValueError, match="Unknown dataset"):
        dataset("lfw_aligned")
