"""Synthetic demo datasets written in each dataset's real on-disk format.

The real datasets cannot be downloaded everywhere (licences, size), so the demo and the tests use
pictures made here and written exactly as the datasets distribute them, so that the real parsers,
the real face detector and the real download path all run:

* faces are scikit-image's public-domain astronaut photo (which ships with the package), placed at a
  random position and scale on a random background, so MTCNN really has a face to find;
* the age changes the face strongly enough for a CNN to learn it: the skin darkens and loses
  colour, and "wrinkles" (dark horizontal lines) appear across the face, more with every decade;
* ages lie on a coarse grid (every 10 years; FG-NET every 5), so a few hundred faces give every
  class of the label space several examples and a CNN trained for a few CPU minutes learns them;
* every quirk the parsers must handle is present: IMDB rows each cleaning rule drops, FG-NET
  `a`/`b` pairs and lower-case `.jpg`, grayscale, CMYK, PNG-with-alpha and EXIF-rotated pictures,
  truncated files, files named in the metadata but missing, and Adience's messy age labels.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tarfile
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.io
from PIL import Image

from agecascade.data.adience import CANONICAL_GROUPS
from agecascade.images import margin_box

# The astronaut's face in skimage.data.astronaut() (MTCNN: x 182-265, y 64-171), and the patch cut
# around it (face plus context) that is pasted into the synthetic pictures.
_FACE = (182, 64, 265, 171)
_PATCH = (122, 4, 325, 231)

AGE_GRID = np.arange(0, 91, 10)  # IMDB and AgeDB ages (years)
FGNET_AGE_GRID = np.arange(0, 70, 5)  # FG-NET covers 0-69

ADIENCE_MESSY_LABELS = ["(8, 23)", "(27, 32)", "(38, 42)", "(38, 48)", "None", "35", "13", "22", "3"]
ADIENCE_HEADER = (
    "user_id\toriginal_image\tface_id\tage\tgender\tx\ty\tdx\tdy\ttilt_ang\t"
    "fiducial_yaw_angle\tfiducial_score"
)


@lru_cache(maxsize=1)
def _template() -> np.ndarray:
    from skimage import data as skdata  # the photo ships inside the scikit-image wheel

    x1, y1, x2, y2 = _PATCH
    return np.asarray(skdata.astronaut()[y1:y2, x1:x2], dtype=np.float32)


def _face_in_patch() -> tuple[int, int, int, int]:
    return (_FACE[0] - _PATCH[0], _FACE[1] - _PATCH[1], _FACE[2] - _PATCH[0], _FACE[3] - _PATCH[1])


def aged_face(age: float) -> np.ndarray:
    """The face patch with the age drawn on it (uint8, face box at `_face_in_patch()`)."""
    t = float(np.clip(age / 100.0, 0.0, 1.0))
    patch = _template().copy()
    gray = patch.mean(axis=2, keepdims=True)
    patch = patch * (1.0 - 0.8 * t) + gray * (0.8 * t)  # colour fades
    patch *= 1.2 - 0.4 * t  # skin darkens
    fx1, fy1, fx2, fy2 = _face_in_patch()
    n_lines = int(round(t * 9))
    if n_lines:
        rows = np.linspace(fy1 + 0.12 * (fy2 - fy1), fy2 - 0.12 * (fy2 - fy1), n_lines + 2)[1:-1]
        for row in rows.astype(int):
            patch[row, fx1 + 10 : fx2 - 10] *= 0.6
    return np.clip(patch, 0, 255).astype(np.uint8)


def face_picture(
    age: float, rng: np.random.Generator, canvas: int = 192
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A picture holding one aged face at a random position and scale.

    Returns:
        The RGB picture and the face box (x1, y1, x2, y2) in it.
    """
    patch = aged_face(age)
    scale = rng.uniform(0.45, 0.7) * canvas / patch.shape[0]
    width, height = int(patch.shape[1] * scale), int(patch.shape[0] * scale)
    face = Image.fromarray(patch).resize((width, height), Image.Resampling.BILINEAR)
    background = rng.uniform(40, 215, size=3)
    noise = rng.normal(0, 12, size=(canvas, canvas, 3))
    picture = Image.fromarray(np.clip(background + noise, 0, 255).astype(np.uint8))
    left = int(rng.integers(0, canvas - width + 1))
    top = int(rng.integers(0, canvas - height + 1))
    picture.paste(face, (left, top))
    fx1, fy1, fx2, fy2 = _face_in_patch()
    box = (
        left + int(fx1 * scale),
        top + int(fy1 * scale),
        left + int(fx2 * scale),
        top + int(fy2 * scale),
    )
    return picture, box


def aligned_face(age: float, rng: np.random.Generator, size: int = 128) -> Image.Image:
    """An Adience-style aligned face: the face centred and filling most of the picture."""
    patch = Image.fromarray(aged_face(age))
    fx1, fy1, fx2, fy2 = _face_in_patch()
    side = max(fx2 - fx1, fy2 - fy1) * rng.uniform(1.3, 1.5)
    cx, cy = (fx1 + fx2) / 2 + rng.normal(0, 2), (fy1 + fy2) / 2 + rng.normal(0, 2)
    box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
    return patch.crop(tuple(int(v) for v in box)).resize((size, size), Image.Resampling.BILINEAR)


def _save_jpeg(image: Image.Image, path: Path, **kwargs) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="JPEG", quality=90, **kwargs)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _quirky_save(image: Image.Image, path: Path, quirk: str) -> None:
    """Save a picture with one of the real datasets' format quirks."""
    if quirk == "gray":
        _save_jpeg(image.convert("L"), path)
    elif quirk == "cmyk":
        _save_jpeg(image.convert("CMYK"), path)
    elif quirk == "exif_rotated":
        # Stored rotated, with the EXIF tag that tells viewers to rotate it back upright.
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90 CW to display"
        _save_jpeg(image.transpose(Image.Transpose.ROTATE_90), path, exif=exif.tobytes())
    elif quirk == "png_alpha":
        # A PNG behind a .jpg name, with an alpha channel (seen in scraped datasets).
        path.parent.mkdir(parents=True, exist_ok=True)
        rgba = image.convert("RGBA")
        rgba.putalpha(255)
        rgba.save(path, format="PNG")
    elif quirk == "truncated":
        _save_jpeg(image, path)
        _truncate(path)
    else:
        _save_jpeg(image, path)


def _no_face_picture(rng: np.random.Generator, canvas: int) -> Image.Image:
    noise = rng.uniform(0, 255, size=(canvas // 8, canvas // 8, 3)).astype(np.uint8)
    return Image.fromarray(noise).resize((canvas, canvas), Image.Resampling.NEAREST)


# --------------------------------------------------------------------------------------------
# IMDB-WIKI (imdb_crop/<NN>/<id>_<dob>_<year>.jpg + imdb_crop/imdb.mat)


def matlab_datenum(date: dt.date) -> float:
    """MATLAB's datenum of a date (days since year 0; Python's ordinal + 366)."""
    return float(date.toordinal() + 366)


IMDB_CROP_MARGIN = 0.4  # the IMDB-WIKI authors' face crops have a 40 % margin (their archive, not our config)
# one row in six is a case a cleaning rule (or the preparation) must drop
IMDB_DEFECTS = ("no_face", "low_face_score", "second_face", "gender_unknown", "age_out_of_range", "corrupt_image",
                "missing_file")


def _imdb_picture(case: str, age: int, rng, canvas: int, archive: str, path: Path):
    """Write one picture (unless its case is a missing file); returns the face box in the
    original photograph's coordinates."""
    picture, box = face_picture(age, rng, canvas)
    if archive == "crop":  # the authors' face crop, 40 % margin, black beyond the photo
        picture = picture.crop(margin_box(box, IMDB_CROP_MARGIN))
    if case != "missing_file":
        _quirky_save(picture, path, "truncated" if case == "corrupt_image" else "plain")
    return box


def _imdb_row(case: str, rng, birth: dt.date, taken: int, box) -> dict:
    """The imdb.mat fields of one picture that depend on its case (clean, or a cleaning rule's case)."""
    x1, y1, x2, y2 = box
    return {"dob": matlab_datenum(birth), "photo_taken": float(taken),
            # MATLAB convention: 1-based, inclusive
            "face_location": np.array([[x1 + 1, y1 + 1, x2, y2]], dtype=float),
            "face_score": -np.inf if case == "no_face" else (0.5 if case == "low_face_score" else rng.uniform(1.5, 5)),
            "second_face_score": rng.uniform(1, 3) if case == "second_face" else np.nan}


def write_imdb(root: Path, n_subjects: int, images_per_subject: int, seed: int, canvas: int,
               archive: str = "crop") -> dict:
    """Write a synthetic IMDB-WIKI folder with its `imdb.mat`, laid out as one of the real archives.

    `archive="crop"` is the faces-only archive `imdb_crop.tar` (`imdb_crop/<NN>/*.jpg`): each
    picture is the dataset authors' crop of the face with a 40 % margin out of the original
    photograph, while `face_location` in `imdb.mat` stays in the original photograph's
    coordinates (as in the real metadata). `archive="full"` is the full photographs
    (`imdb_0.tar` ... `imdb_9.tar` with `imdb_meta.tar`: `imdb/<NN>/*.jpg`), where the boxes fit.

    Besides clean rows, the metadata holds rows that each cleaning rule must drop: no face
    (face_score -inf), low face score, a second face, unknown gender, age out of 0-100, plus a
    truncated picture and a row whose file is missing.

    Returns:
        Counts of the rows written by case (for tests).
    """
    if archive not in ("crop", "full"):
        raise ValueError(f"archive must be 'crop' or 'full'. Received: archive={archive!r}")
    rng = np.random.default_rng(seed)
    base = root / ("imdb_crop" if archive == "crop" else "imdb")
    rows = {k: [] for k in ("dob", "photo_taken", "full_path", "gender", "name", "face_location",
                            "face_score", "second_face_score", "celeb_id")}
    cases: dict[str, int] = {}
    names = [f"Synthetic Celebrity {i + 1}" for i in range(n_subjects)]
    index = 0
    for celeb in range(n_subjects):
        birth = dt.date(1900, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 95)))
        gender = float(rng.integers(0, 2))
        for _ in range(images_per_subject):
            case = IMDB_DEFECTS[index % len(IMDB_DEFECTS)] if index % 6 == 5 else "clean"
            index += 1
            cases[case] = cases.get(case, 0) + 1
            age = int(rng.choice(AGE_GRID))
            if case == "age_out_of_range":
                age = int(rng.choice([-3, 104]))
            # age is defined with the photo taken on 1 July of photo_taken
            taken = birth.year + age + (1 if birth.month >= 7 else 0)
            folder = f"{index % 100:02d}"
            filename = f"nm{celeb + 1:07d}_rm{index:09d}_{birth.year}-{birth.month}-{birth.day}_{taken}.jpg"
            box = _imdb_picture(case, max(age, 0), rng, canvas, archive, base / folder / filename)
            row = _imdb_row(case, rng, birth, taken, box)
            row.update({"full_path": f"{folder}/{filename}", "gender": np.nan if case == "gender_unknown" else gender,
                        "name": names[celeb], "celeb_id": float(celeb + 1)})
            for key, value in row.items():
                rows[key].append(value)
    write_imdb_mat(base / "imdb.mat", rows, names)
    return cases


def _cell(values) -> np.ndarray:
    cell = np.empty((1, len(values)), dtype=object)
    for i, value in enumerate(values):
        cell[0, i] = value
    return cell


def write_imdb_mat(path: Path, rows: dict, celeb_names: list[str]) -> None:
    """Write an `imdb.mat` with the real struct layout (1xN fields, cells for strings and boxes)."""
    struct = {
        "dob": np.array([rows["dob"]]),
        "photo_taken": np.array([rows["photo_taken"]]),
        "full_path": _cell(rows["full_path"]),
        "gender": np.array([rows["gender"]]),
        "name": _cell(rows["name"]),
        "face_location": _cell(rows["face_location"]),
        "face_score": np.array([rows["face_score"]]),
        "second_face_score": np.array([rows["second_face_score"]]),
        "celeb_names": _cell(celeb_names),
        "celeb_id": np.array([rows["celeb_id"]]),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {"imdb": struct}, do_compression=True)


# --------------------------------------------------------------------------------------------
# AgeDB (<id>_<Name>_<age>_<m|f>.jpg)


def write_agedb(root: Path, n_subjects: int, images_per_subject: int, seed: int, canvas: int,
                boxes: dict | None = None) -> dict:
    """Write synthetic AgeDB pictures; a few hold no face and one is truncated. `boxes`, if
    given, receives each picture's face box (x1, y1, x2, y2) by file name (none: no face)."""
    rng = np.random.default_rng(seed)
    base = root / "AgeDB"
    cases: dict[str, int] = {}
    index = 0
    for subject in range(n_subjects):
        name = f"Person{chr(65 + subject % 26)}{subject:03d}"
        gender = "mf"[subject % 2]
        for _ in range(images_per_subject):
            age = int(rng.choice(AGE_GRID[1:]))  # AgeDB starts at 1 year
            case = "clean"
            if index % 37 == 36:
                case = "no_face"
            elif index % 53 == 52:
                case = "corrupt_image"
            cases[case] = cases.get(case, 0) + 1
            path = base / f"{index}_{name}_{age}_{gender}.jpg"
            if case == "no_face":
                _save_jpeg(_no_face_picture(rng, canvas), path)
            else:
                picture, box = face_picture(age, rng, canvas)
                _quirky_save(picture, path, "truncated" if case == "corrupt_image" else "plain")
                if boxes is not None:
                    boxes[path.name] = box
            index += 1
    return cases


# --------------------------------------------------------------------------------------------
# FG-NET (images/<NNN>A<yy>[a|b].JPG)


def write_fgnet(root: Path, n_subjects: int, images_per_subject: int, seed: int, canvas: int) -> dict:
    """Write synthetic FG-NET pictures with the real quirks.

    Each subject gets pictures at increasing ages 0-69; the first subject has an `a`/`b` pair at
    the same age; some files end in lower-case `.jpg`; some are grayscale scans, CMYK, PNG with
    alpha or EXIF-rotated; one subject has a picture without a face (which FG-NET keeps).
    """
    rng = np.random.default_rng(seed)
    base = root / "FGNET" / "images"
    quirks = ["gray", "cmyk", "exif_rotated", "png_alpha"]
    cases: dict[str, int] = {}
    for subject in range(1, n_subjects + 1):
        ages = np.sort(rng.choice(FGNET_AGE_GRID, size=images_per_subject, replace=False))
        names = [f"{subject:03d}A{age:02d}" for age in ages]
        if subject == 1:  # an a/b pair: two photos at the same age
            names[-1] = f"{subject:03d}A{ages[-2]:02d}b"
            names[-2] = f"{subject:03d}A{ages[-2]:02d}a"
            ages[-1] = ages[-2]
        for j, (stem, age) in enumerate(zip(names, ages)):
            suffix = ".jpg" if (subject + j) % 5 == 0 else ".JPG"
            quirk = quirks[(subject + j) % len(quirks)] if (subject * 7 + j) % 9 == 0 else "plain"
            if subject == 2 and j == 0:
                quirk = "no_face"
            cases[quirk] = cases.get(quirk, 0) + 1
            path = base / f"{stem}{suffix}"
            if quirk == "no_face":
                _save_jpeg(_no_face_picture(rng, canvas), path)
                continue
            picture, _ = face_picture(float(age), rng, canvas)
            _quirky_save(picture, path, quirk)
    return cases


# --------------------------------------------------------------------------------------------
# Adience (aligned/<user_id>/landmark_aligned_face.<face_id>.<original_image> + fold_k_data.txt)


def _adience_age(label: str, rng: np.random.Generator) -> float:
    """An age to draw on a face with this Adience label."""
    label = label.strip()
    if label.startswith("("):
        low, high = (float(v) for v in label.strip("()").split(","))
        return float(rng.uniform(low, min(high, 80)))
    if label == "None":
        return float(rng.uniform(0, 80))
    return float(label)


def write_adience(root: Path, n_users_per_fold: int, faces_per_user: int, seed: int, size: int) -> dict:
    """Write synthetic Adience aligned faces and the five fold files.

    Users belong to one fold each (as in the real protocol); most faces carry one of the 8
    canonical group labels, some the messy labels of the real files; gender is f, m, u or empty.
    """
    rng = np.random.default_rng(seed)
    base = root / "adience"
    cases: dict[str, int] = {}
    face_id = 0
    for fold in range(5):
        lines = [ADIENCE_HEADER]
        for u in range(n_users_per_fold):
            user = f"{fold}{u:03d}{seed % 1000:03d}@N0{fold}"
            group = CANONICAL_GROUPS[(fold * n_users_per_fold + u) % len(CANONICAL_GROUPS)]
            for k in range(faces_per_user):
                face_id += 1
                label = f"({group[0]}, {group[1]})"
                if face_id % 11 == 0:
                    label = ADIENCE_MESSY_LABELS[(face_id // 11) % len(ADIENCE_MESSY_LABELS)]
                cases[label] = cases.get(label, 0) + 1
                original = f"{rng.integers(10**9, 10**10)}_{rng.integers(10**9, 10**10):x}_o.jpg"
                gender = ["f", "m", "u", ""][face_id % 4]
                path = base / "aligned" / user / f"landmark_aligned_face.{face_id}.{original}"
                quirk = "truncated" if face_id % 97 == 0 else "plain"
                if face_id % 89 == 0:
                    quirk = "missing"
                if quirk != "missing":
                    _quirky_save(aligned_face(_adience_age(label, rng), rng, size), path, quirk)
                lines.append(
                    f"{user}\t{original}\t{face_id}\t{label}\t{gender}\t{rng.integers(0, 900)}\t"
                    f"{rng.integers(0, 900)}\t{rng.integers(300, 900)}\t{rng.integers(300, 900)}\t"
                    f"{rng.integers(-30, 30)}\t{rng.integers(-10, 10)}\t{rng.integers(0, 100)}"
                )
        (base / f"fold_{fold}_data.txt").write_text("\n".join(lines) + "\n")
    return cases


WRITERS = {"imdb": write_imdb, "agedb": write_agedb, "fgnet": write_fgnet, "adience": write_adience}


def sha256sum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_archive(dataset: str, spec: dict, archive: Path, seed: int) -> str:
    """Generate a synthetic dataset and pack it as the dataset's distribution archive.

    Writes `archive` (tar.gz), `archive.sha256` (`sha256sum` format) and `archive.boxes.json`
    (the face boxes drawn, by file name; AgeDB's only) beside it.

    Args:
        dataset: one of imdb, agedb, fgnet, adience.
        spec: sizes from `synthetic.<dataset>` in the config.
        archive: output path.
        seed: random seed.

    Returns:
        The archive's sha256.
    """
    if dataset not in WRITERS:
        raise ValueError(f"Unknown dataset. Received: dataset={dataset!r}")
    args, boxes = dict(spec), {}
    if dataset == "agedb":  # its face boxes: the demo's `aligned_bbox` (`write_database`)
        args["boxes"] = boxes
    with tempfile.TemporaryDirectory(dir=archive.parent if archive.parent.exists() else None) as tmp:
        root = Path(tmp)
        WRITERS[dataset](root, seed=seed, **args)
        archive.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "w:gz") as tar:
            for child in sorted(root.iterdir()):
                tar.add(child, arcname=child.name)
    digest = sha256sum(archive)
    Path(f"{archive}.sha256").write_text(f"{digest}  {archive.name}\n")
    Path(f"{archive}.boxes.json").write_text(json.dumps(boxes) + "\n")
    return digest


# --------------------------------------------------------------------------------------------
# Database files of the unified benchmark (agecascade.data.unified), for the synthetic archives


def aligned_bbox(box) -> list[float]:
    """An `aligned_bbox` (A, B, C, D as 1-based (column, row)) for a drawn face box: the square
    around the box's centre with its longer side, upright (the demo's faces are not rotated)."""
    x1, y1, x2, y2 = box
    half, cx, cy = max(x2 - x1, y2 - y1) / 2, (x1 + x2) / 2 + 1, (y1 + y2) / 2 + 1
    return [cx - half, cy - half, cx + half, cy - half, cx + half, cy + half, cx - half, cy + half]


def _database_entry(dataset: str, member: str, people: list[str], boxes: dict) -> dict | None:
    """The database entry of one archive member, in the published `_aligned` files' shape: their
    prefix (`AgeDB/AgeDB/`, `FG-NET/images/`), for AgeDB the extension's case flipped on every other
    picture (both differ from the archive, as in the real files) and the face's `aligned_bbox`
    (empty where no face was drawn)."""
    name = member.rsplit("/", 1)[-1]
    stem, _, extension = name.rpartition(".")
    if dataset == "agedb":
        number, person, age, gender = stem.split("_")
        extension = extension.upper() if int(number) % 2 else extension
        box = boxes.get(name)
        return {"img_path": f"AgeDB/AgeDB/{stem}.{extension}", "name": person, "number": number, "age": int(age),
                "gender": gender.upper(), "database": "AgeDB", "folder": people.index(person) % 10,
                "aligned_bbox": aligned_bbox(box) if box else []}
    subject, age = int(stem[:3]), int(stem[4:6])
    return {"img_path": f"FG-NET/images/{name}", "id_num": subject, "age": age, "database": "FG-NET",
            "folder": subject}


def write_database(dataset: str, archive: Path, output: Path) -> int:
    """Write the unified benchmark's database file for a synthetic AgeDB or FG-NET archive (people
    spread over folders 0-9 for AgeDB; FG-NET's folders are its subjects), with AgeDB's face boxes
    (`archive.boxes.json`) as `aligned_bbox`. Returns the entries."""
    boxes_file = Path(f"{archive}.boxes.json")
    boxes = json.loads(boxes_file.read_text()) if boxes_file.is_file() else {}

    with tarfile.open(archive) as tar:
        members = sorted(m.name for m in tar.getmembers() if m.isfile() and m.name.lower().endswith((".jpg", ".png")))
    people = sorted({name.rsplit("/", 1)[-1].split("_")[1] for name in members}) if dataset == "agedb" else []
    entries = [_database_entry(dataset, member, people, boxes) for member in members]
    Path(output).write_text(json.dumps(entries, indent=1) + "\n")
    return len(entries)


# The five splits of the published AgeDB benchmark file (facebase/benchmarks/AgeDB.yaml; also
# UTKFace's, AFAD's and MORPH's), which the demo's synthetic benchmark file copies: (trn, val, tst).
PUBLISHED_TEN_FOLDER_SPLITS = (((0, 1, 2, 3, 4, 5), (6, 7), (8, 9)), ((2, 3, 4, 5, 6, 7), (8, 9), (0, 1)),
                               ((4, 5, 6, 7, 8, 9), (0, 1), (2, 3)), ((5, 6, 7, 8, 9, 0), (1, 2), (3, 4)),
                               ((6, 7, 8, 9, 0, 1), (2, 3), (4, 5)))


def _database_folders(path) -> list[int]:
    return sorted({int(entry["folder"]) for entry in json.loads(Path(path).read_text())})


def write_benchmark_file(tag: str, others: dict[str, Path], output: Path) -> int:
    """Write a benchmark file in the published shape for a synthetic dataset with folders 0-9:
    its own entry (`tag`, the published five splits), then one cross-dataset entry per database
    file of `others` ({tag: database file}: all its folders, once per split) and one for a
    dataset the demo does not have (UTKFace), which the workflow must skip. Returns the entries."""
    from agecascade.data.benchmark import write_benchmark

    splits = [{"trn": list(t), "val": list(v), "tst": list(s)} for t, v, s in PUBLISHED_TEN_FOLDER_SPLITS]
    entries = [{"database": f"databases/{tag}_aligned.json", "tag": tag, "split": splits}]
    tested = {**{other: _database_folders(path) for other, path in others.items()}, "UTKFace": list(range(10))}
    for other, folders in tested.items():
        entries.append({"database": f"databases/{other}_aligned.json", "tag": other,
                        "split": [{"trn": [], "val": [], "tst": folders} for _ in splits]})
    write_benchmark(output, entries)
    return len(entries)
