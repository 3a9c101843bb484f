import datetime as dt

import numpy as np
import pandas as pd
import pytest

from agecascade.data import adience, agedb, fgnet, imdb
from agecascade.data.synthetic import ADIENCE_MESSY_LABELS, matlab_datenum


# ---------------------------------------------------------------- IMDB


def test_imdb_age_counts_the_photo_as_taken_on_1_july():
    dob = np.array([matlab_datenum(dt.date(1980, 3, 5)), matlab_datenum(dt.date(1980, 8, 1)), 12.0])
    age, valid = imdb.ages({"dob": dob, "photo_taken": np.array([2005.0, 2005.0, 2005.0])})
    assert list(age[:2]) == [25, 24]
    assert list(valid) == [True, True, False]  # datenum 12 is before year 1


def test_imdb_mat_roundtrip_and_every_cleaning_rule(synthetic):
    root, cases = synthetic
    # the study's cleaning (config.yaml, datasets.imdb.cleaning: face score 1.0, ages 0-100)
    records, dropped = imdb.read_imdb(root / "imdb" / "imdb_crop", min_face_score=1.0, min_age=0, max_age=100)
    for reason in ("no_face", "low_face_score", "second_face", "gender_unknown", "age_out_of_range"):
        assert dropped[reason] == cases["imdb"].get(reason, 0) > 0, reason
    # corrupt and missing pictures pass the metadata rules; preparation counts them
    assert len(records) == cases["imdb"]["clean"] + cases["imdb"]["corrupt_image"] + cases["imdb"]["missing_file"]
    assert records["age"].between(0, 100).all()
    assert set(records["gender"]) <= {"m", "f"}
    x1, y1, x2, y2 = records["box"].iloc[0]
    assert 0 <= x1 < x2 and 0 <= y1 < y2
    assert records["source"].str.match(r"^\d\d/nm\d+_rm\d+_\d{4}-\d+-\d+_\d{4}\.jpg$").all()


def test_imdb_cleaning_thresholds_are_configurable(synthetic):
    root, _ = synthetic
    strict, _ = imdb.read_imdb(root / "imdb" / "imdb_crop", min_face_score=4.0, min_age=0, max_age=100)
    loose, _ = imdb.read_imdb(root / "imdb" / "imdb_crop", min_face_score=1.0, min_age=0, max_age=100)
    assert 0 < len(strict) < len(loose)


# ---------------------------------------------------------------- AgeDB


def test_agedb_names():
    assert agedb.parse_name("0_MariaCallas_35_f.jpg") == {"subject": "MariaCallas", "age": 35, "gender": "f"}
    assert agedb.parse_name("16487_Jean_Luc_Godard_101_m.JPG")["subject"] == "Jean_Luc_Godard"
    assert agedb.parse_name("readme.txt") is None
    assert agedb.parse_name("12_Name_x_m.jpg") is None


def test_agedb_folder(synthetic, tmp_path):
    root, cases = synthetic
    folder = root / "agedb" / "AgeDB"
    records, dropped = agedb.read_agedb(folder)
    assert len(records) == sum(cases["agedb"].values()) and dropped == {"unparsable_name": 0}
    assert records["age"].between(1, 101).all()


# ---------------------------------------------------------------- FG-NET


@pytest.mark.parametrize(
    "name,subject,age",
    [("001A02.JPG", "1", 2), ("001A43a.JPG", "1", 43), ("001A43b.JPG", "1", 43),
     ("010A07.jpg", "10", 7), ("082a18.JPG", "82", 18)],
)
def test_fgnet_names(name, subject, age):
    assert fgnet.parse_name(name) == {"subject": subject, "age": age}


@pytest.mark.parametrize("name", ["Thumbs.db", "001A2.JPG", "001B02.JPG", "001A02c.JPG"])
def test_fgnet_rejects_other_names(name):
    assert fgnet.parse_name(name) is None


def test_fgnet_label_space_is_the_sorted_distinct_ages():
    # A list shaped like the real one: 82 subjects, 1,002 names, ages 0-69 of which 63 occur,
    # a/b pairs at the same age and some lower-case extensions.
    rng = np.random.default_rng(0)
    ages_used = sorted(rng.choice(70, size=63, replace=False))
    ages_used[0], ages_used[-1] = 0, 69
    names = []
    for i in range(1002):
        subject, age = i % 82 + 1, ages_used[i % 63]
        names.append(f"{subject:03d}A{age:02d}{'ab'[i % 2] if i % 50 == 0 else ''}.{'jpg' if i % 7 else 'JPG'}")
    from agecascade.data.folds import label_space

    table = pd.DataFrame([fgnet.parse_name(n) for n in names]).rename(columns={"age": "label"})
    space = label_space({"protocol": "leave_one_subject_out"}, table)["values"]
    assert len(space) == 63 and space[0] == 0 and space[-1] == 69  # thesis: 63 output neurons
    assert len({fgnet.parse_name(n)["subject"] for n in names}) == 82


def test_fgnet_folder_with_quirks(synthetic):
    root, cases = synthetic
    folder = root / "fgnet" / "FGNET" / "images"
    records, dropped = fgnet.read_fgnet(folder)
    assert len(records) == 6 * 8 and dropped == {"unparsable_name": 0}
    names = {p.name for p in folder.iterdir()}
    assert any(n.endswith(".jpg") for n in names) and any(n.endswith(".JPG") for n in names)
    pair = sorted(n for n in names if n[6:7] in ("a", "b"))
    assert len(pair) == 2 and pair[0][:6] == pair[1][:6]


# ---------------------------------------------------------------- Adience


@pytest.mark.parametrize(
    "label,strict,nearest",
    [("(0, 2)", 0, 0), ("(60, 100)", 7, 7), ("(25, 32)", 4, 4), ("(8, 23)", None, 3),
     ("(27, 32)", None, 4), ("(38, 42)", None, 5), ("(38, 48)", None, 5), ("None", None, None),
     ("35", None, 4), ("13", None, 2), ("22", None, 3), ("3", None, 0), ("", None, None)],
)
def test_adience_age_labels(label, strict, nearest):
    assert adience.parse_age(label, "strict") == strict
    assert adience.parse_age(label, "nearest") == nearest


def test_adience_unknown_policy_is_an_error():
    with pytest.raises(ValueError, match="policy"):
        adience.parse_age("(0, 2)", "lenient")


def test_adience_fold_files(synthetic):
    root, cases = synthetic
    base = root / "adience" / "adience"
    header = (base / "fold_0_data.txt").read_text().splitlines()[0].split("\t")
    assert header[:5] == ["user_id", "original_image", "face_id", "age", "gender"] and len(header) == 12
    records, dropped = adience.read_adience(base, "strict")
    messy = sum(cases["adience"].get(label, 0) for label in ADIENCE_MESSY_LABELS)
    assert messy > 0 and dropped["age_label_dropped"] == messy
    assert len(records) == sum(cases["adience"].values()) - messy
    assert sorted(records["fold"].unique()) == [0, 1, 2, 3, 4]
    assert set(records["gender"]) <= {"f", "m", ""}
    # every user is in exactly one fold (the official protocol)
    assert (records.groupby("subject")["fold"].nunique() == 1).all()
    nearest, _ = adience.read_adience(base, "nearest")
    assert len(nearest) > len(records)


def test_adience_fold_files_are_read_strictly_line_by_line(tmp_path):
    header = "user_id\toriginal_image\tface_id\tage\tgender\tx\ty\tdx\tdy\ttilt_ang\tfiducial_yaw_angle\tfiducial_score"

    def line(user, face, age='(25, 32)', extra=""):
        return f'{user}\t{face}.jpg\t{face}\t{age}\tf\t1\t2\t3\t4\t5\t6\t7{extra}'

    (tmp_path / "aligned").mkdir()
    lines = [header, line("u1", 1), line('u"2', 2), line("u3", 3), line('u4"', 4), line("u5", 5, extra="\tsurplus"),
             line("u6", 6), line("u7", 7, age="(8, 12)")[:20]]
    (tmp_path / "fold_0_data.txt").write_text("\n".join(lines) + "\n")
    for k in range(1, 5):
        (tmp_path / f"fold_{k}_data.txt").write_text(header + "\n" + line(f"v{k}", 10 + k) + "\n")
    records, dropped = adience.read_adience(tmp_path)
    # the stray quotes join nothing: u"2, u3 and u4" are three faces; the surplus field and the cut
    # line are counted with their file and line number, and the rest is kept
    assert list(records[records.fold == 0]["subject"]) == ["u1", 'u"2', "u3", 'u4"', "u6"]
    assert dropped["malformed_line"] == 2
    skipped = records.attrs["skipped"]
    assert [(s["line"], s["reason"].split(":")[0]) for s in skipped] == [(6, "malformed_line"), (8, "malformed_line")]
    assert all(s["file"].endswith("fold_0_data.txt") for s in skipped)
    (tmp_path / "fold_3_data.txt").write_text("user\tage\n")
    with pytest.raises(ValueError, match=r"fold_3_data.txt: the header has no column \['user_id'"):
        adience.read_adience(tmp_path)
