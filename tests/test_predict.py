"""`agecascade predict` / `agecascade info` and the `agecascade.predict` API on real photos."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from agecascade import cli

ASTRONAUT_FACE = (182, 64, 265, 171)  # where MTCNN finds the face in skimage.data.astronaut()


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory):
    from skimage import data

    folder = tmp_path_factory.mktemp("photos")
    Image.fromarray(data.astronaut()).save(folder / "astronaut.jpg", quality=95)
    return folder / "astronaut.jpg"


def _save_model(path, values, names=None, kind="age", info=None, size=32):
    import keras

    from agecascade.models.head import build_age_model

    keras.utils.set_random_seed(1)
    build_age_model("vgg16", values, names, kind, info, input_shape=(size, size, 3), seed=1).save(path)
    return path


@pytest.fixture(scope="module")
def age_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    path = _save_model(folder / "imdb.keras", [10, 20, 30, 40, 50, 60],
                       info={"backbone": "vgg16", "chain": "imdb", "dataset": "imdb"})
    pd.DataFrame({"epoch": [0, 1], "loss": [2.0, 1.5], "val_loss": [2.1, 1.7]}).to_csv(
        folder / "imdb.history.csv", index=False)
    return path


def _run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_predict_finds_the_astronauts_face(capsys, astronaut, age_model):
    code, out, err = _run(capsys, "predict", astronaut, "--model", age_model, "--no-progress")
    assert code == 0, err
    table = pd.read_csv(pd.io.common.StringIO(out))
    assert len(table) == 1
    face = table.iloc[0]
    for got, want in zip((face.x1, face.y1, face.x2, face.y2), ASTRONAUT_FACE):
        assert abs(got - want) <= 10
    assert face.confidence > 0.9
    assert 10 <= face.age <= 60  # an expected value over the label space


def test_folder_with_broken_files_processes_the_rest(capsys, tmp_path, astronaut, age_model):
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.jpg").write_bytes(astronaut.read_bytes())
    (folder / "broken.jpg").write_bytes(astronaut.read_bytes()[:2000])  # truncated
    (folder / "notes.png").write_text("not a picture")
    Image.new("RGB", (120, 120), (128, 128, 128)).save(folder / "blank.png")
    out_file = tmp_path / "faces.json"
    code, _, err = _run(capsys, "predict", folder, "--model", age_model, "--format", "json",
                        "--output", out_file, "--annotate", tmp_path / "annotated", "--batch-size", "1")
    assert code == 0, err
    rows = json.loads(out_file.read_text())
    assert [r["file"] for r in rows] == [str(folder / "sub" / "a.jpg")]
    assert "broken.jpg: corrupt_image" in err and "notes.png: corrupt_image" in err
    assert "blank.png: no_face" in err
    # the annotated copy: same picture size, red box drawn where the face is
    annotated = np.asarray(Image.open(tmp_path / "annotated" / "sub" / "a.jpg"))  # structure kept
    original = np.asarray(Image.open(astronaut))
    assert annotated.shape == original.shape
    x1, y1 = rows[0]["x1"], rows[0]["y1"]
    assert not np.array_equal(annotated[y1 + 5, x1 - 2:x1 + 3], original[y1 + 5, x1 - 2:x1 + 3])
    assert np.abs(annotated[400:, :100].astype(int) - original[400:, :100]).max() < 40  # elsewhere untouched


def test_outputs_that_could_lose_data_are_refused_before_the_model_loads(capsys, tmp_path, astronaut):
    photos = tmp_path / "photos"
    photos.mkdir()
    photo = photos / "me.jpg"
    photo.write_bytes(astronaut.read_bytes())
    original = photo.read_bytes()
    (tmp_path / "old.csv").write_text("keep me")
    absent_model = tmp_path / "no-such-model.keras"  # the checks come first: the model is never read
    cases = {
        ("--annotate", photos): "lies inside the searched folder",
        ("--annotate", photos / "out"): "lies inside the searched folder",
        ("--output", photo): "is one of the input photos",
        ("--output", photos / "faces.csv"): "lies inside the searched folder",
        ("--output", tmp_path / "old.csv"): "exists: use --force",
        ("--output", tmp_path / "missing" / "f.csv"): "does not exist",
        ("--margin", -1): "--margin must be between 0 and 2",
        ("--min-confidence", 2): "--min-confidence must be in (0, 1]",
    }
    for (option, value), message in cases.items():
        code, out, err = _run(capsys, "predict", photos, "--model", absent_model, option, value)
        assert code == 2 and message in err and "Model file not found" not in err, (option, value, err)
    # a photo given directly, annotated into its own folder, would be replaced by its copy
    code, _, err = _run(capsys, "predict", photo, "--model", absent_model, "--annotate", photos)
    assert code == 2 and "An annotated copy" in err and "is one of the input photos" in err
    assert photo.read_bytes() == original and (tmp_path / "old.csv").read_text() == "keep me"
    assert sorted(p.name for p in photos.iterdir()) == ["me.jpg"]


def test_annotated_names_never_collide_and_existing_copies_need_force(capsys, tmp_path, astronaut, age_model):
    from agecascade.inference import annotation_paths

    photos = tmp_path / "photos"
    for name in ("a/x.jpg", "b/x.jpg", "x.gif", "x.png"):
        (photos / name).parent.mkdir(parents=True, exist_ok=True)
        Image.open(astronaut).save(photos / name)
    planned = annotation_paths([photos], tmp_path / "out")
    names = sorted(str(p.relative_to(tmp_path / "out")) for p in planned.values())
    assert names == ["a/x.jpg", "b/x.jpg", "x.gif.png", "x.png"]  # one copy per photo, structure kept
    direct = annotation_paths([photos / "a" / "x.jpg", photos / "b" / "x.jpg"], tmp_path / "out")
    assert sorted(p.name for p in direct.values()) == ["x-2.jpg", "x.jpg"]
    code, _, err = _run(capsys, "predict", photos, "--model", age_model, "--annotate", tmp_path / "out",
                        "--batch-size", "1", "--no-progress")
    assert code == 0, err
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.*")) == names
    code, _, err = _run(capsys, "predict", photos, "--model", age_model, "--annotate", tmp_path / "out")
    assert code == 2 and "4 annotated copies exist already" in err
    code, _, err = _run(capsys, "predict", photos, "--model", age_model, "--annotate", tmp_path / "out", "--force",
                        "--no-progress")
    assert code == 0, err


def test_large_photos_are_detected_on_a_reduced_copy_and_boxes_map_back(astronaut):
    from agecascade.data.faces import DETECT_MAX_SIDE, FaceDetector

    big = Image.open(astronaut).resize((2048, 2048))  # 4 x the astronaut: above DETECT_MAX_SIDE
    assert max(big.size) > DETECT_MAX_SIDE
    (box, confidence), = FaceDetector().detect_all(big)
    for got, want in zip(box, ASTRONAUT_FACE):
        assert abs(got - 4 * want) <= 40  # in the full picture's pixels
    assert confidence > 0.9


def test_paths_from_a_list_file_or_stdin(capsys, monkeypatch, tmp_path, astronaut, age_model):
    import io

    (tmp_path / "list.txt").write_text(f"{astronaut}\n\n{tmp_path / 'missing.jpg'}\n")
    code, out, err = _run(capsys, "predict", "--from-list", tmp_path / "list.txt", "--model", age_model)
    assert code == 0 and len(pd.read_csv(io.StringIO(out))) == 1 and "missing.jpg: missing_file" in err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{astronaut}\n"))
    code, out, err = _run(capsys, "predict", "--from-list", "-", "--model", age_model)
    assert code == 0 and pd.read_csv(io.StringIO(out))["file"].tolist() == [str(astronaut)]
    code, _, err = _run(capsys, "predict", "--model", age_model)
    assert code == 2 and "no photos given" in err


@pytest.mark.integration
def test_a_killed_run_keeps_the_rows_it_wrote(tmp_path, astronaut, age_model):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(40):
        (photos / f"p{i:02d}.jpg").write_bytes(astronaut.read_bytes())
    out = tmp_path / "faces.csv"
    agecascade = Path(sys.executable).with_name("agecascade")
    run = subprocess.Popen([str(agecascade), "predict", "--from-list", "-", "--model", str(age_model), "-o", str(out),
                            "--batch-size", "1"], stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    run.stdin.write("".join(f"{p}\n" for p in sorted(photos.iterdir())))
    run.stdin.close()
    deadline = time.time() + 300
    while time.time() < deadline and run.poll() is None:
        if out.exists() and len(out.read_text().splitlines()) >= 4:  # header + 3 rows
            break
        time.sleep(0.05)
    assert run.poll() is None, "finished before it could be killed: " + run.stderr.read()[-2000:]
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    table = pd.read_csv(out)
    assert 3 <= len(table) < 40 and table["age"].notna().all()  # every row written is whole
    assert table["file"].tolist() == [str(photos / f"p{i:02d}.jpg") for i in range(len(table))]


def test_predict_crops_with_the_margin_the_model_was_trained_with(tmp_path):
    from agecascade.inference import AgePredictor

    path = _save_model(tmp_path / "m.keras", [10, 20], info={"margin": 0.25}, size=48)
    predictor = AgePredictor(path)
    assert (predictor.margin, predictor.image_size) == (0.25, 48)
    assert AgePredictor(path, margin=0.4).margin == 0.4  # --margin overrides


def test_nothing_processable_exits_non_zero(capsys, tmp_path, age_model):
    (tmp_path / "x.jpg").write_text("no")
    code, out, err = _run(capsys, "predict", tmp_path / "x.jpg", tmp_path / "missing.jpg",
                          "--model", age_model)
    assert code == 1
    assert "missing.jpg: missing_file" in err and "x.jpg: corrupt_image" in err


def test_foreign_model_files_are_refused(capsys, tmp_path, astronaut):
    import keras

    not_a_model = tmp_path / "weights.keras"
    not_a_model.write_bytes(b"\x89HDF\r\n")
    code, _, err = _run(capsys, "predict", astronaut, "--model", not_a_model)
    assert code == 2 and "is not a Keras age model saved by agecascade" in err

    plain = tmp_path / "plain.keras"
    inputs = keras.Input((8,))
    keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(plain)
    code, _, err = _run(capsys, "info", plain)
    assert code == 2 and "not an agecascade age model" in err
    code, _, err = _run(capsys, "info", tmp_path / "nothing.keras")
    assert code == 2 and "not found" in err


def test_info_reports_backbone_label_space_and_metrics(capsys, age_model):
    code, out, _ = _run(capsys, "info", age_model)
    assert code == 0
    report = json.loads(out)
    assert report["backbone"] == "vgg16" and report["chain"] == "imdb"
    assert report["label_space"] == {"kind": "age", "classes": 6, "names": ["10", "20", "30", "40", "50", "60"]}
    assert report["input"]["image_size"] == 32
    assert report["input"]["preprocessing"].startswith("keras-vggface v1")
    assert report["training_data"] == {"dataset": "imdb"}
    assert report["metrics"] == {"epochs": 2, "final_loss": 1.5, "final_val_loss": 1.7}


def test_api_with_an_age_group_model(tmp_path, astronaut):
    import agecascade

    names = ["0-2", "4-6", "8-12", "15-20", "25-32", "38-43", "48-53", "60-100"]
    model = _save_model(tmp_path / "adience.keras", list(range(8)), names, "group")
    table = agecascade.predict([astronaut, tmp_path / "missing.png"], model=model, progress=False)
    assert len(table) == 1
    p = table[[f"p_{n}" for n in names]].to_numpy()[0]
    assert p.sum() == pytest.approx(1.0, abs=1e-3)
    assert table["group"].iloc[0] == names[int(p.argmax())]
    midpoints = np.array([1, 5, 10, 17.5, 28.5, 40.5, 50.5, 80])
    assert table["age"].iloc[0] == pytest.approx(float(p @ midpoints), abs=0.05)
    assert table.attrs["problems"] == [f"{tmp_path / 'missing.png'}: missing_file ({tmp_path / 'missing.png'})"]


def test_a_model_with_non_finite_weights_is_refused_by_predict_and_info(capsys, tmp_path, astronaut):
    import keras

    from agecascade.models.head import build_age_model

    model = build_age_model("vgg16", [10, 20], input_shape=(32, 32, 3), seed=1)
    kernel = model.get_layer("age_softmax").kernel
    kernel.assign(keras.ops.full(kernel.shape, float("nan")))
    model.save(tmp_path / "diverged.keras")
    for argv in (("predict", astronaut, "-m", tmp_path / "diverged.keras", "--no-progress"),
                 ("info", tmp_path / "diverged.keras")):
        code, out, err = _run(capsys, *argv)
        assert code == 2 and out == "", err
        assert "NaN or infinite weights" in err and "diverged" in err and len(err.strip().splitlines()) == 1


def test_export_force_replaces_only_an_earlier_export(capsys, tmp_path, age_model):
    folder = tmp_path / "my_models"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "age.keras").write_bytes(age_model.read_bytes())
    for fmt, target in (("savedmodel", folder), ("onnx", folder / "notes.txt")):
        code, out, err = _run(capsys, "export", age_model, target, "--format", fmt, "--force")
        assert code == 2 and "not an earlier export of agecascade" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["age.keras", "notes.txt"]  # nothing deleted
    assert (folder / "notes.txt").read_text() == "mine"


def test_a_full_disk_keeps_the_whole_rows_leaves_no_partial_file_and_exits_3(capsys, tmp_path, astronaut, age_model,
                                                                               monkeypatch):
    import errno

    from agecascade import outputs

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (photos / name).write_bytes(astronaut.read_bytes())
    real_open = open
    written = {"batches": 0}

    class FillsUp:  # the disk fills up during the third batch's write: half of it lands
        def __init__(self, handle):
            self.handle = handle

        def write(self, text):
            written["batches"] += 1
            if written["batches"] == 3:
                self.handle.write(text[: len(text) // 2])
                self.handle.flush()
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.handle.write(text)

        def __getattr__(self, name):
            return getattr(self.handle, name)

    def opening(path, mode="r", **kwargs):
        handle = real_open(path, mode, **kwargs)
        return FillsUp(handle) if "x" in mode else handle

    monkeypatch.setattr(outputs, "open", opening, raising=False)
    code, out, err = _run(capsys, "predict", photos, "-m", age_model, "-o", tmp_path / "ages.csv",
                          "--batch-size", "1", "--no-progress")
    assert code == 3 and "the disk is full" in err and len(err.strip().splitlines()) == 1, err
    table = pd.read_csv(tmp_path / "ages.csv")
    assert list(table["file"].map(lambda f: f.rsplit("/", 1)[-1])) == ["a.jpg", "b.jpg"]  # whole rows only
    assert (tmp_path / "ages.csv").read_text().endswith("\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ages.csv", "photos"]  # no partial file


def test_a_second_writer_of_the_same_output_is_refused(capsys, tmp_path, astronaut, age_model, monkeypatch):
    from agecascade import inference

    # the other run creates the file after this run's checks passed (the race two runs hit)
    monkeypatch.setattr(inference, "check_outputs", lambda *a, **k: {})
    (tmp_path / "ages.csv").write_text("file,face\nother.jpg,0\n")
    code, out, err = _run(capsys, "predict", astronaut, "-m", age_model, "-o", tmp_path / "ages.csv", "--no-progress")
    assert code == 2 and "exists (another run writing it?)" in err
    assert (tmp_path / "ages.csv").read_text() == "file,face\nother.jpg,0\n"  # the other run's rows untouched


def test_a_second_json_run_writing_the_same_file_is_refused_and_leaves_the_first_ones_file(
        capsys, tmp_path, astronaut, age_model, monkeypatch):
    from agecascade import inference

    # the other run claimed the file after this run's checks passed (two runs started together)
    monkeypatch.setattr(inference, "check_outputs", lambda *a, **k: {})
    (tmp_path / "same.json").write_text("[]")
    code, out, err = _run(capsys, "predict", astronaut, "-m", age_model, "--format", "json",
                          "-o", tmp_path / "same.json", "--no-progress")
    assert code == 2 and "same.json exists (another run writing it?)" in err
    assert (tmp_path / "same.json").read_text() == "[]"
    # a run that claimed its file and then failed leaves nothing behind
    monkeypatch.setattr(inference.AgePredictor, "predict", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        _run(capsys, "predict", astronaut, "-m", age_model, "--format", "json", "-o", tmp_path / "new.json",
             "--no-progress")
    assert not (tmp_path / "new.json").exists()


def test_loops_fifos_and_unreadable_folders_are_skipped_and_reported(capsys, tmp_path, astronaut, age_model,
                                                                     monkeypatch):
    import os

    photos = tmp_path / "photos"
    (photos / "locked").mkdir(parents=True)
    (photos / "ok.jpg").write_bytes(astronaut.read_bytes())
    os.mkfifo(photos / "pipe.jpg")  # reading it would block forever
    (tmp_path / "loop.jpg").symlink_to(tmp_path / "loop.jpg")
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    (tmp_path / "list.txt").write_text(f"{tmp_path / 'loop.jpg'}\n{photos}\n")
    code, out, err = _run(capsys, "predict", "--from-list", tmp_path / "list.txt", "-m", age_model, "--no-progress")
    assert code == 0, err
    assert len(pd.read_csv(pd.io.common.StringIO(out))) == 1  # the one real photo
    assert "loop.jpg: unreadable (Too many levels of symbolic links)" in err
    assert "pipe.jpg: not_a_regular_file" in err
    assert "locked: unreadable (folder not searched: Permission denied)" in err
    assert "3 file(s) skipped" in err


def test_predict_gives_the_median_the_80_percent_interval_and_on_request_the_distribution(capsys, astronaut,
                                                                                          age_model):
    code, out, err = _run(capsys, "predict", astronaut, "-m", age_model, "--no-progress", "--probabilities")
    assert code == 0, err
    table = pd.read_csv(pd.io.common.StringIO(out))
    assert list(table.columns[7:11]) == ["age", "age_median", "age_low", "age_high"]
    ages = [10, 20, 30, 40, 50, 60]
    p = table[[f"p_{a}" for a in ages]].to_numpy()
    face = table.iloc[0]
    assert p.sum() == pytest.approx(1.0, abs=1e-3) and face.age == pytest.approx(float(p[0] @ ages), abs=0.05)
    cumulative = np.cumsum(p[0])
    assert face.age_median == ages[int(np.argmax(cumulative >= 0.5 - 1e-4))]
    assert face.age_low <= face.age_median <= face.age_high and face.age_low in ages and face.age_high in ages


def test_photos_in_formats_that_cannot_be_read_are_counted_and_named(tmp_path):
    from agecascade.inference import find_photos

    photos = tmp_path / "phone"
    (photos / "2024").mkdir(parents=True)
    for name in ("IMG_0001.HEIC", "2024/IMG_0002.heif", "IMG_0003.avif"):
        (photos / name).write_bytes(b"\x00\x00\x00\x18ftypheic")
    (photos / "notes.txt").write_text("not a photo")
    found, problems = find_photos([photos])
    assert found == []
    assert sorted(Path(p.file).name for p in problems) == ["IMG_0001.HEIC", "IMG_0002.heif", "IMG_0003.avif"]
    assert {p.reason for p in problems} == {"unsupported"}
    assert "HEIC pictures are not read: convert them to JPEG or PNG" in str(problems[0])


@pytest.mark.parametrize("fmt", ["onnx", "savedmodel"])
def test_export_on_a_full_disk_exits_3_with_one_line_and_leaves_nothing(capsys, tmp_path, age_model, monkeypatch,
                                                                         fmt):
    import errno

    from agecascade import export

    def fills_up(model, staging, meta):  # the writer got part of the way, then the disk was full
        if fmt == "savedmodel":
            (staging / "variables").mkdir(parents=True)
            (staging / "saved_model.pb").write_bytes(b"\x00" * 100)
        else:
            staging.write_bytes(b"\x00" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "_write_onnx" if fmt == "onnx" else "_write_savedmodel", fills_up)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = _run(capsys, "export", age_model, out_dir / "age_model", "--format", fmt)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "the disk is full; nothing was left" in err
    assert list(out_dir.iterdir()) == []


def test_a_full_disk_while_annotating_exits_3_and_leaves_no_cut_off_picture(capsys, tmp_path, astronaut, age_model,
                                                                            monkeypatch):
    from agecascade import outputs

    real_write = outputs.os.write
    room = {"bytes": 5000}  # the disk fills up part of the way into the annotated copy

    def fills_up(handle, data):
        if room["bytes"] <= 0:
            return 0  # what a full disk gives a raw write that Pillow would not check
        wrote = real_write(handle, bytes(data[: room["bytes"]]))
        room["bytes"] -= wrote
        return wrote

    monkeypatch.setattr(outputs.os, "write", fills_up)
    annotated = tmp_path / "annotated"
    code, out, err = _run(capsys, "predict", astronaut, "-m", age_model, "--annotate", annotated, "--no-progress")
    assert code == 3 and "an output could not be written" in err and "bytes written (disk full?)" in err
    assert not annotated.exists() or [p for p in annotated.rglob("*") if p.is_file()] == []


@pytest.mark.integration  # a subprocess: what a user's terminal shows
def test_a_command_shows_only_our_lines_and_tensorflows_go_to_its_log(tmp_path, age_model):
    import os
    import subprocess
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "AGECASCADE_TENSORFLOW_LOG": str(tmp_path / "tf.log")}
    info = subprocess.run([sys.executable, "-m", "agecascade.cli", "info", str(age_model)], capture_output=True,
                          text=True, env=env)
    assert info.returncode == 0 and json.loads(info.stdout)["backbone"] == "vgg16"
    assert info.stderr == ""
    assert "absl::InitializeLog" in (tmp_path / "tf.log").read_text()  # kept, not silenced by a setting
    missing = subprocess.run([sys.executable, "-m", "agecascade.cli", "info", str(tmp_path / "none.keras")],
                             capture_output=True, text=True, env=env)
    assert missing.returncode == 2 and missing.stderr.startswith("agecascade info: Model file not found")
    assert missing.stderr.count("\n") == 1


def _rewritten(model, path, change=None, append_to_weights=0):
    """A copy of a model file with its config.json changed, or with zeros appended to its weights."""
    import zipfile

    with zipfile.ZipFile(model) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "config.json" and change:
                config = json.loads(data)
                layers = {layer["config"]["name"]: layer["config"] for layer in config["config"]["layers"]}
                change(layers)
                data = json.dumps(config).encode()
            if info.filename == "model.weights.h5" and append_to_weights:
                with target.open(info.filename, "w", force_zip64=True) as handle:
                    handle.write(data)
                    for _ in range(append_to_weights // 2**24):
                        handle.write(bytes(2**24))
                continue
            target.writestr(info.filename, data)
    return path


def _nan_label(layers):
    layers["label_space"]["values"][2] = float("nan")


@pytest.mark.parametrize("change,said", [
    (lambda layers: layers["label_space"].update(values=[10, 20, 30], names=["10", "20", "30"]),
     "its output layer has 6 classes but its label space 3 values"),
    (lambda layers: layers["label_space"]["info"].update(margin=-0.9), "stored crop margin -0.9 is outside 0-2"),
    (lambda layers: layers["label_space"]["info"].update(margin=1e6), "stored crop margin 1000000.0 is outside 0-2"),
    (_nan_label, "label value nan of class 2 is not a finite number"),
])
def test_a_model_that_describes_itself_wrongly_exits_2_before_anything_heavy_loads(capsys, tmp_path, astronaut,
                                                                                    age_model, monkeypatch,
                                                                                    change, said):
    from agecascade.data import faces
    from agecascade.models import files

    bad = _rewritten(age_model, tmp_path / "bad.keras", change)

    def heavy(*args, **kwargs):
        raise AssertionError("loaded before the model file was checked")

    monkeypatch.setattr(files, "load_age_model", heavy)
    monkeypatch.setattr(faces, "FaceDetector", heavy)
    code, out, err = _run(capsys, "predict", astronaut, "-m", bad, "--no-progress")
    assert code == 2 and said in err and err.count("\n") == 1 and out == ""


def test_a_zip_bomb_in_the_weights_is_refused_before_it_is_unpacked(capsys, tmp_path, age_model):
    bomb = _rewritten(age_model, tmp_path / "bomb.keras", append_to_weights=2**30)  # 1 GB of zeros
    assert bomb.stat().st_size < 2**30 / 10  # small on disk (the model's own weights, and the zeros compressed)
    code, out, err = _run(capsys, "info", bomb)
    assert code == 2 and err.count("\n") == 1
    assert "its weights would unpack to" in err and "its layers can hold: refused" in err


@pytest.mark.integration  # a subprocess: a real pipe closed by its reader
def test_a_closed_output_pipe_is_one_line_and_exit_3(tmp_path, age_model):
    import subprocess
    import sys

    reader = subprocess.Popen([sys.executable, "-m", "agecascade.cli", "info", str(age_model)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # the reader (`| head -0`) left before anything was written
    _, err = reader.communicate()
    assert reader.returncode == 3
    assert err.decode().strip() == "agecascade info: the output pipe was closed before everything was written"


def test_predict_gives_the_interval_at_the_models_temperature_and_never_changes_its_ages(capsys, tmp_path,
                                                                                        astronaut):
    from agecascade.calibration import temper

    ages = [10, 20, 30, 40, 50, 60]
    model = _save_model(tmp_path / "hot.keras", ages, info={"backbone": "vgg16", "temperature": 3.0,
                                                            "calibration": "temperature on 40 validation faces"})
    runs = {}
    for flag in ("--probabilities", "--uncalibrated"):
        code, out, err = _run(capsys, "predict", astronaut, "-m", model, "--no-progress", "--probabilities", flag)
        assert code == 0, err
        runs[flag] = pd.read_csv(pd.io.common.StringIO(out)).iloc[0]
    calibrated, own = runs["--probabilities"], runs["--uncalibrated"]
    assert calibrated["temperature"] == 3.0 and own["temperature"] == 1.0  # the output says which it gives
    assert calibrated["age"] == own["age"] and calibrated["age_median"] == own["age_median"]
    p_own = np.array([[own[f"p_{a}"] for a in ages]])
    p_hot = np.array([calibrated[f"p_{a}"] for a in ages])
    np.testing.assert_allclose(p_hot, temper(p_own, 3.0)[0], atol=2e-4)  # rounded to 4 decimals in the table
    cumulative = np.cumsum(temper(p_own, 3.0)[0])
    assert calibrated["age_low"] == ages[int(np.argmax(cumulative >= 0.1 - 1e-4))]
    assert calibrated["age_high"] == ages[int(np.argmax(cumulative >= 0.9 - 1e-4))]
    code, out, _ = _run(capsys, "info", model)
    assert json.loads(out)["calibration"] == {"temperature": 3.0, "calibration": "temperature on 40 validation faces"}


def test_annotate_draws_the_interval_beside_the_age(tmp_path, monkeypatch):
    from PIL import ImageDraw

    from agecascade.inference import annotate

    drawn = []
    real_text = ImageDraw.ImageDraw.text

    def text(self, xy, label, *args, **kwargs):
        drawn.append(label)
        return real_text(self, xy, label, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    faces = pd.DataFrame([{"x1": 10, "y1": 20, "x2": 60, "y2": 80, "age": 33.4, "age_low": 25.0, "age_high": 41.0}])
    annotate(Image.new("RGB", (100, 100)), faces, tmp_path / "a.png")
    assert drawn == ["33 [25-41]"] and (tmp_path / "a.png").stat().st_size > 0
