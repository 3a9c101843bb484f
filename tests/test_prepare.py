import json

import h5py
import numpy as np
import pandas as pd
import pytest

from agecascade.data.prepare import PrepareOptions, prepare_dataset
from agecascade.download import download_dataset


def _marker(tmp_path, root):
    download_dataset("x", {"source": str(root)}, tmp_path / "raw", tmp_path / "dl")
    return tmp_path / "raw" / "dataset.json"


def _prepare(tmp_path, dataset, root, options, **kwargs):
    out = tmp_path / "faces"
    report = prepare_dataset(dataset, _marker(tmp_path, root), out / f"{dataset}.h5", out / f"{dataset}.csv",
                             out / f"{dataset}.report.json", options, **kwargs)
    manifest = pd.read_csv(out / f"{dataset}.csv", dtype={"subject": str})
    with h5py.File(out / f"{dataset}.h5") as store:
        images = store["images"][:]
    assert json.loads((out / f"{dataset}.report.json").read_text()) == report
    return report, manifest, images


def test_imdb_store_manifest_and_report_agree(synthetic, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO)
    root, cases = synthetic
    report, manifest, images = _prepare(
        tmp_path, "imdb", root / "imdb", PrepareOptions(image_size=32, detector="none"), threads=2
    )
    assert len(manifest) == len(images) == report["kept"] == cases["imdb"]["clean"]
    assert report["input_rows"] == sum(cases["imdb"].values())
    assert report["dropped"]["corrupt_image"] == cases["imdb"]["corrupt_image"]
    assert report["dropped"]["missing_file"] == cases["imdb"]["missing_file"]
    # which pictures were skipped, not only how many
    skipped = report["skipped_files"]
    assert sorted({s["reason"] for s in skipped}) == ["corrupt_image", "missing_file"]
    assert sum(s["reason"] == "missing_file" for s in skipped) == cases["imdb"]["missing_file"]
    assert all(s["source"].endswith(".jpg") and s["source"] not in set(manifest["source"]) for s in skipped)
    assert report["kept"] + sum(report["dropped"].values()) == report["input_rows"]
    assert images.shape[1:] == (32, 32, 3) and images.dtype == np.uint8
    assert set(manifest["detector"]) == {"none"}
    assert report["padding"]["faces"] == report["kept"] and report["padding"]["mostly_padding"] == 0
    assert "171,858" in report["thesis"]  # kept count beside the thesis'
    # progress in the log: pictures done / total, rate, faces kept
    total = report["kept"] + report["dropped"]["corrupt_image"] + report["dropped"]["missing_file"]
    assert f"prepare imdb: {total} / {total} pictures (100.0 %)" in caplog.text
    assert f"kept {report['kept']}" in caplog.text
    # the crop is centred on the face: the picture's background is noise around a flat colour,
    # the face patch is not; the middle of every crop must be face, so far from uniform
    assert images[:, 12:20, 12:20].std(axis=(1, 2, 3)).min() > 5


def test_imdb_boxes_of_the_original_photographs_do_not_fit_the_face_crops(synthetic, tmp_path):
    from agecascade.data.prepare import PaddingError

    root, _ = synthetic
    # imdb_crop.tar with face_location (coordinates of the original photographs): stop, name the key
    with pytest.raises(PaddingError, match=r"lie mostly outside their pictures.*datasets\.imdb\.detector"):
        _prepare(tmp_path / "crop", "imdb", root / "imdb", PrepareOptions(image_size=32, detector="metadata"))
    # the full photographs with the same boxes: they fit
    report, manifest, images = _prepare(tmp_path / "full", "imdb", root / "imdb_full",
                                        PrepareOptions(image_size=32, detector="metadata"))
    assert report["padding"]["mostly_padding"] == 0 and manifest["padding"].max() < 0.5
    _, _, crops = _prepare(tmp_path / "none", "imdb", root / "imdb", PrepareOptions(image_size=32, detector="none"))
    # the authors' crops used as they are and our crops of the full photographs show the same faces
    assert np.abs(images.astype(float) - crops.astype(float)).mean() < 20


def test_serial_and_parallel_preparation_give_the_same_store(synthetic, tmp_path):
    root, _ = synthetic
    options = PrepareOptions(image_size=24, detector="none")
    _, m1, i1 = _prepare(tmp_path / "a", "adience", root / "adience", options, threads=1)
    _, m2, i2 = _prepare(tmp_path / "b", "adience", root / "adience", options, threads=2)
    assert m1.equals(m2) and np.array_equal(i1, i2)
    assert m1["age_group"].between(0, 7).all() and set(m1["fold"]) == {0, 1, 2, 3, 4}


@pytest.mark.slow
def test_fgnet_keeps_faceless_pictures_and_agedb_drops_them(synthetic, tmp_path):
    root, cases = synthetic
    fg_report, fg, fg_images = _prepare(
        tmp_path / "fg", "fgnet", root / "fgnet", PrepareOptions(image_size=32, detector="mtcnn", no_face="keep"),
        threads=2,
    )
    assert len(fg) == len(fg_images) == sum(cases["fgnet"].values())  # a benchmark never shrinks
    assert (~fg["face_found"]).sum() >= cases["fgnet"]["no_face"]
    assert fg["face_found"].mean() >= 0.9  # the crop path runs, not only the fallback
    assert fg.loc[fg["face_found"], "confidence"].min() >= 0.9

    ag_report, ag, _ = _prepare(
        tmp_path / "ag", "agedb", root / "agedb", PrepareOptions(image_size=32, detector="mtcnn", no_face="drop"),
        threads=1,
    )
    assert ag_report["dropped"]["no_face_detected"] >= cases["agedb"]["no_face"]
    assert ag["face_found"].all()
    assert len(ag) >= 0.9 * cases["agedb"]["clean"]


def test_a_store_that_fails_while_written_leaves_no_file(tmp_path, monkeypatch):
    import errno

    import h5py

    from agecascade.data.store import FaceStoreWriter

    real_setitem = h5py.Dataset.__setitem__

    def disk_full(self, key, value):
        if self.shape[0] > 64:  # the second block does not fit on the disk
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_setitem(self, key, value)

    monkeypatch.setattr(h5py.Dataset, "__setitem__", disk_full)
    with pytest.raises(OSError, match="No space left"):
        with FaceStoreWriter(tmp_path / "faces.h5", 8) as store:
            for _ in range(200):
                store.append(np.zeros((8, 8, 3), dtype=np.uint8))
    assert list(tmp_path.iterdir()) == []  # neither a cut-off store nor its temporary file
    with FaceStoreWriter(tmp_path / "faces.h5", 8) as store:  # the normal way still works
        store.append(np.zeros((8, 8, 3), dtype=np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == ["faces.h5"]
