"""The unified benchmark's database files (Paplham & Franc, CVPR 2024) joined to prepared faces,
and its splits, on database files written here in the published files' shape."""

import json

import pandas as pd
import pytest

from agecascade.data.benchmark import protocol, read_benchmark, no_training_protocol
from agecascade.data.unified import write_unified_split

# the five splits of the reference's table (../shared/reference/unified-benchmark.md, "Splits"),
# as a benchmark file in the published shape gives them
TEN_FOLDERS = {0: ((0, 1, 2, 3, 4, 5), (6, 7), (8, 9)), 1: ((2, 3, 4, 5, 6, 7), (8, 9), (0, 1)),
               2: ((4, 5, 6, 7, 8, 9), (0, 1), (2, 3)), 3: ((5, 6, 7, 8, 9, 0), (1, 2), (3, 4)),
               4: ((6, 7, 8, 9, 0, 1), (2, 3), (4, 5))}
AGEDB_YAML = "- database: databases/AgeDB_aligned.json\n  tag: AgeDB\n  split:\n" + "".join(
    f"  - trn: {list(t)}\n    val: {list(v)}\n    tst: {list(s)}\n" for t, v, s in TEN_FOLDERS.values())


def _agedb(tmp_path, people=30, pictures=4):
    """A manifest of prepared AgeDB faces and a database file for them: people spread over
    folders 0-9, the database's prefix and extension case unlike the archive's."""
    manifest, entries = [], []
    for person in range(people):
        for k in range(pictures):
            number = person * pictures + k
            name = f"{number:04d}_Person{person}_{20 + k}_f"
            manifest.append({"source": f"AgeDB/{name}.jpg", "subject": f"Person{person}", "age": 20 + k})
            entries.append({"img_path": f"AgeDB/AgeDB/{name}.{'JPG' if k % 2 else 'jpg'}", "name": f"Person{person}",
                            "number": f"{number:04d}", "age": 20 + k, "gender": "F", "database": "AgeDB",
                            "folder": person % 10})
    return pd.DataFrame(manifest), entries


def _write(tmp_path, manifest, entries, dataset="agedb"):
    manifest.to_csv(tmp_path / "faces.csv", index=False)
    (tmp_path / "db.json").write_text(json.dumps(entries))
    if dataset == "agedb":
        (tmp_path / "AgeDB.yaml").write_text(AGEDB_YAML)
        spec = protocol(read_benchmark(tmp_path / "AgeDB.yaml"), "agedb", {"agedb": "agedb"}, 5)
    else:
        spec = no_training_protocol(dataset)
    files = {"manifest": tmp_path / "faces.csv", "database": tmp_path / "db.json", "split": tmp_path / "unified.csv",
             "report": tmp_path / "report.json", "protocol": tmp_path / "protocol.json",
             "labels": tmp_path / "labels.json"}
    table = write_unified_split(dataset, files, spec)
    return table, json.loads((tmp_path / "report.json").read_text())


def test_five_splits_have_the_sizes_the_folder_counts_imply_and_never_split_a_person(tmp_path):
    manifest, entries = _agedb(tmp_path)
    table, report = _write(tmp_path, manifest, entries)
    assert list(table.columns) == ["index", "source", "subject", "age", "folder", "label",
                                   *[f"split{k}" for k in range(5)]]
    per_folder = table.groupby("folder").size()  # 3 people x 4 pictures in each folder
    for split, (train, val, test) in TEN_FOLDERS.items():
        counts = table[f"split{split}"].value_counts()
        assert counts["trn"] == per_folder[list(train)].sum() == 72
        assert (counts["val"], counts["tst"]) == (per_folder[list(val)].sum(), per_folder[list(test)].sum()) == (24, 24)
        parts = table.groupby("subject")[f"split{split}"].nunique()
        assert (parts == 1).all()  # subject-exclusive
    assert report["entries_without_picture"] == report["pictures_without_entry"] == []


def test_what_does_not_match_is_counted_listed_and_left_out_never_guessed(tmp_path):
    manifest, entries = _agedb(tmp_path)
    manifest.loc[len(manifest)] = {"source": "AgeDB/9999_Nobody_40_m.jpg", "subject": "Nobody", "age": 40}
    entries.append({**entries[0], "img_path": "AgeDB/AgeDB/8888_Gone_50_m.jpg"})  # no picture
    entries[5] = {**entries[5], "folder": 3}  # Person1 now in folders 1 and 3
    entries[9] = {**entries[9], "folder": 12}  # Person2's second picture outside the splits
    table, report = _write(tmp_path, manifest, entries)
    assert report["pictures_without_entry"] == ["AgeDB/9999_Nobody_40_m.jpg"]
    assert report["entries_without_picture"] == ["8888_gone_50_m.jpg"]
    assert report["identities_in_two_folders"] == ["Person1", "Person2"]
    assert report["folders_outside_splits"] == [12]
    nobody = table[table["source"] == "AgeDB/9999_Nobody_40_m.jpg"].iloc[0]
    assert pd.isna(nobody["folder"]) and (nobody[[f"split{k}" for k in range(5)]].fillna("") == "").all()


def test_fgnet_is_a_test_only_set_of_its_subjects(tmp_path):
    manifest = pd.DataFrame({"source": [f"FGNET/images/{s:03d}A{a:02d}.JPG" for s in (1, 2) for a in (5, 9)],
                             "subject": ["1", "1", "2", "2"], "age": [5, 9, 5, 9]})
    entries = [{"img_path": f"FG-NET/images/{s:03d}A{a:02d}.jpg", "id_num": s, "age": a, "database": "FG-NET",
                "folder": s} for s in (1, 2) for a in (5, 9)]
    table, report = _write(tmp_path, manifest, entries, dataset="fgnet")
    assert list(table["split0"]) == ["tst"] * 4 and sorted(table["folder"].unique()) == [1, 2]
    assert report["sizes"] == {"split0": {"tst": 4}}


def test_a_database_file_without_the_required_fields_is_refused_naming_the_entry(tmp_path):
    from agecascade.data.unified import read_database

    (tmp_path / "bad.json").write_text(json.dumps([{"img_path": "a.jpg", "age": 3}]))
    with pytest.raises(ValueError, match=r"bad.json: entry 0 has no folder"):
        read_database(tmp_path / "bad.json")


def test_a_split_trains_on_trn_keeps_val_for_selection_and_tests_on_tst_never_on_an_unknown_age(tmp_path):
    from agecascade.data.folds import Part, select_faces

    manifest, entries = _agedb(tmp_path)
    entries[0] = {**entries[0], "age": -1}  # the benchmark's "unknown": Person0, folder 0
    table, _ = _write(tmp_path, manifest, entries)
    assert pd.isna(table.loc[0, "label"]) and table.loc[1, "label"] == 21
    faces = select_faces(pd.read_csv(tmp_path / "unified.csv"), Part(protocol_split=1), seed=0)
    # split 1: trn folders 2-7, val 8-9, tst 0-1 (3 people x 4 pictures per folder, one age unknown)
    assert (len(faces.train), len(faces.val), len(faces.test)) == (72, 24, 23)
    assert set(faces.test["folder"]) == {0, 1} and 0 not in set(faces.test["index"])
    assert set(faces.train["subject"]).isdisjoint(faces.val["subject"])
    assert set(faces.train["subject"]).isdisjoint(faces.test["subject"])


def test_a_split_the_table_does_not_have_is_refused_naming_the_ones_it_has(tmp_path):
    from agecascade.data.folds import Part, select_faces

    manifest = pd.DataFrame({"source": ["FGNET/images/001A05.JPG"], "subject": ["1"], "age": [5]})
    entries = [{"img_path": "FG-NET/images/001A05.JPG", "id_num": 1, "age": 5, "database": "FG-NET", "folder": 1}]
    _write(tmp_path, manifest, entries, dataset="fgnet")
    with pytest.raises(ValueError, match=r"no split2 \(its splits: \['split0'\]\)"):
        select_faces(pd.read_csv(tmp_path / "unified.csv"), Part(protocol_split=2), seed=0)


GOOD = {"img_path": "a.jpg", "age": 30, "folder": 1, "id_num": 7}


@pytest.mark.parametrize("content,said", [
    (b"[{\"img_path\": ", "not valid JSON (Expecting value, line 1"),
    ('[{"img_path": "caf\xe9.jpg", "age": 3, "folder": 1}]'.encode("latin-1"), "not UTF-8 text (byte 18)"),
    (json.dumps({"entries": []}).encode(), "a JSON list of entries, not a dict"),
    (json.dumps([GOOD, "a.jpg"]).encode(), "entry 1 is str, not an object"),
    (json.dumps([GOOD, None]).encode(), "entry 1 is null, not an object"),
    (json.dumps([GOOD, {**GOOD, "age": "abc"}]).encode(), "entry 1: age 'abc' is not a finite number"),
    (json.dumps([GOOD, {**GOOD, "age": None}]).encode(), "entry 1: age None is not a finite number"),
    (b'[{"img_path": "a.jpg", "age": Infinity, "folder": 1}]', "entry 0: age inf is not a finite number"),
    (json.dumps([GOOD, {**GOOD, "age": -5}]).encode(), "entry 1: age -5 is outside 0-120 (-1 means unknown)"),
    (json.dumps([{**GOOD, "age": 300}]).encode(), "entry 0: age 300 is outside 0-120"),
    (json.dumps([GOOD, {**GOOD, "folder": 3.7}]).encode(), "entry 1: folder 3.7 is not a whole number"),
    (json.dumps([GOOD, {k: v for k, v in GOOD.items() if k != "id_num"}]).encode(),
     "entry 1 has no id_num, which the file's other entries have"),
])
def test_a_broken_database_file_is_one_line_naming_the_file_and_the_entry(tmp_path, content, said):
    from agecascade.data.unified import DatabaseFileError, read_database

    (tmp_path / "AgeDB.json").write_bytes(content)
    with pytest.raises(DatabaseFileError) as refused:
        read_database(tmp_path / "AgeDB.json")
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'AgeDB.json'}: ") and said in message and "\n" not in message


def test_a_byte_order_mark_and_the_unknown_age_are_read(tmp_path):
    from agecascade.data.unified import read_database

    (tmp_path / "db.json").write_bytes(b"\xef\xbb\xbf" + json.dumps([GOOD, {**GOOD, "age": -1}]).encode())
    table = read_database(tmp_path / "db.json")
    assert table["age"].tolist()[0] == 30 and pd.isna(table["age"].tolist()[1])


def test_the_unified_output_layer_is_the_benchmarks_ages_0_to_101(tmp_path):
    manifest, entries = _agedb(tmp_path)  # ages 20-23 only
    _write(tmp_path, manifest, entries)
    space = json.loads((tmp_path / "labels.json").read_text())
    assert space["values"] == list(range(102)) and space["size"] == 102 and space["kind"] == "age"
    entries[0] = {**entries[0], "age": 110}  # older than 101: the layer grows, nobody is left out
    _write(tmp_path, manifest, entries)
    assert json.loads((tmp_path / "labels.json").read_text())["values"][-1] == 110


def test_two_pictures_whose_names_differ_only_in_case_never_share_one_entrys_label(tmp_path):
    manifest = pd.DataFrame({"source": ["FGNET/images/001A05.JPG", "FGNET/images/001a05.jpg",
                                        "FGNET/images/002A09.JPG", "FGNET/images/002a09.jpg"],
                             "subject": ["1", "1", "2", "2"], "age": [5, 5, 9, 9]})
    entries = [{"img_path": "FG-NET/images/001A05.JPG", "id_num": 1, "age": 5, "folder": 1},  # one entry, 2 pictures
               {"img_path": "FG-NET/images/002A09.JPG", "id_num": 2, "age": 9, "folder": 2},  # an entry each
               {"img_path": "FG-NET/images/002a09.jpg", "id_num": 2, "age": 10, "folder": 2}]
    table, report = _write(tmp_path, manifest, entries, dataset="fgnet")
    # 001A05.JPG has its exact name's entry; 001a05.jpg has none: reported and in no split (the entry's
    # folder and age are not given to it)
    assert table.loc[0, "folder"] == 1 and table.loc[0, "split0"] == "tst"
    assert pd.isna(table.loc[1, "folder"]) and pd.isna(table.loc[1, "split0"]) or table.loc[1, "split0"] == ""
    assert report["pictures_sharing_a_name"] == ["FGNET/images/001a05.jpg"]
    assert report["pictures_without_entry"] == []
    # each of the 002 pictures takes its own entry's age
    assert table.loc[2, "label"] == 9 and table.loc[3, "label"] == 10


def test_a_database_without_identities_is_split_by_its_folders_alone_and_says_so(tmp_path):
    manifest = pd.DataFrame({"source": [f"train/{k}.jpg" for k in range(3)], "subject": ["", "", ""],
                             "age": [20, 30, 40]})
    entries = [{"img_path": f"CLAP2016/train/{k}.jpg", "age": 20 + 10 * k, "folder": k, "std_age": 3.1}
               for k in range(3)]
    table, report = _write(tmp_path, manifest, entries, dataset="fgnet")
    assert "no identities" in report["split_by"] and table["folder"].tolist() == [0, 1, 2]
