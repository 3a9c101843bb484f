import pandas as pd
import pytest

from agecascade.data.folds import SplitError, class_names, make_split


def _fgnet_manifest(subjects=5, per_subject=4):
    rows = [{"subject": str(s), "age": a * 3, "source": f"images/{s:03d}A{a:02d}.JPG"}
            for s in range(1, subjects + 1) for a in range(per_subject)]
    return pd.DataFrame(rows)


def test_fgnet_leave_one_person_out_fold_is_the_subject():
    table = make_split("fgnet", {"protocol": "leave_one_subject_out", "subjects": 5}, _fgnet_manifest(), 0)
    assert (table["fold"].astype(int) == table["subject"].astype(int)).all()
    assert list(table["index"]) == list(range(20)) and (table["label"] == table["age"]).all()


def test_fgnet_subjects_must_match_the_config():
    with pytest.raises(SplitError, match="declares 82 subjects.*holds 5.*Subjects missing from the data: \\[6, 7"):
        make_split("fgnet", {"protocol": "leave_one_subject_out", "subjects": 82}, _fgnet_manifest(), 0)


def test_fgnet_top4_holds_out_subjects_2_to_5():
    spec = {"protocol": "holdout_subjects", "test_subjects": [2, 3, 4, 5]}
    table = make_split("fgnet_top4", spec, _fgnet_manifest(6), 0)
    test = table[table["fold"].notna()]
    assert set(test["subject"]) == {"2", "3", "4", "5"} and set(test["fold"]) == {0}
    assert set(table[table["fold"].isna()]["subject"]) == {"1", "6"}


def _adience_manifest():
    return pd.DataFrame(
        [{"subject": f"u{k}{i}", "age_group": (k + i) % 8, "fold": k} for k in range(5) for i in range(8)]
    )


def test_adience_official_folds_and_merged_groups():
    spec = {"protocol": "official_folds", "folds": 5}
    table = make_split("adience", spec, _adience_manifest(), 0)
    assert (table["fold"] == _adience_manifest()["fold"]).all()
    merged = {**spec, "merge_groups": [[0, 1, 2], [3], [4, 5, 6, 7]]}
    table3 = make_split("adience3", merged, _adience_manifest(), 0)
    expected = [0 if g <= 2 else 1 if g == 3 else 2 for g in _adience_manifest()["age_group"]]
    assert list(table3["label"]) == expected
    assert class_names(merged) == ("0-12", "15-20", "25-100")
    assert class_names(spec)[0] == "0-2" and len(class_names(spec)) == 8


def test_adience_fold_count_must_match():
    with pytest.raises(SplitError, match="declares 4 folds"):
        make_split("adience", {"protocol": "official_folds", "folds": 4}, _adience_manifest(), 0)


def test_train_val_split_is_grouped_seeded_and_about_80_20():
    manifest = pd.DataFrame({"subject": [f"p{i % 50}" for i in range(500)], "age": [i % 90 for i in range(500)]})
    spec = {"protocol": "train_val", "validation_fraction": 0.2, "no_face": "drop"}  # the plan always says
    table = make_split("agedb", spec, manifest, 7)
    assert table.groupby("subject")["split"].nunique().max() == 1  # nobody on both sides
    assert (table["split"] == "val").mean() == pytest.approx(0.2, abs=0.03)
    assert table.equals(make_split("agedb", spec, manifest, 7))
    assert not table["split"].equals(make_split("agedb", spec, manifest, 8)["split"])


def test_one_label_space_per_dataset_for_every_fold(tmp_path):
    import json

    from agecascade.data.folds import write_split

    manifest = _fgnet_manifest(subjects=5, per_subject=4)
    manifest.loc[manifest["subject"] == "3", "age"] = 60  # an age only subject 3 has
    manifest.to_csv(tmp_path / "fgnet.csv", index=False)
    spec = {"protocol": "leave_one_subject_out", "subjects": 5}
    write_split("fgnet", spec, tmp_path / "fgnet.csv", tmp_path / "split.csv", tmp_path / "labels.json", 0)
    space = json.loads((tmp_path / "labels.json").read_text())
    # every distinct age of the whole dataset, also the one that fold 3's training faces lack
    assert space["kind"] == "age" and space["values"] == [0, 3, 6, 9, 60] and space["size"] == 5
    pd.DataFrame(_adience_manifest()).to_csv(tmp_path / "adience.csv", index=False)
    merged = {"protocol": "official_folds", "folds": 5, "merge_groups": [[0, 1, 2], [3], [4, 5, 6, 7]]}
    write_split("adience3", merged, tmp_path / "adience.csv", tmp_path / "a3.csv", tmp_path / "a3.json", 0)
    assert json.loads((tmp_path / "a3.json").read_text())["names"] == ["0-12", "15-20", "25-100"]


def test_pictures_kept_whole_for_the_unified_benchmark_stay_out_of_the_thesis_split():
    from agecascade.plan.settings import prepare_options

    manifest = pd.DataFrame({"subject": [f"p{i % 50}" for i in range(500)], "age": [i % 90 for i in range(500)],
                             "face_found": [i % 7 != 3 for i in range(500)]})
    spec = {"protocol": "train_val", "validation_fraction": 0.2, "no_face": "drop"}
    table = make_split("agedb", spec, manifest, 7)
    faceless = ~manifest["face_found"]
    assert (table.loc[faceless, "split"] == "no_face").all() and faceless.sum() == 71
    # the faces split exactly as they did when the pictures without one were never stored
    alone = make_split("agedb", spec, manifest[~faceless].reset_index(drop=True), 7)
    assert list(table.loc[~faceless, "split"]) == list(alone["split"])
    assert set(make_split("agedb", {**spec, "no_face": "keep"}, manifest, 7)["split"]) == {"train", "val"}
    # a database file makes the preparation keep them (the benchmark's parts match its file)
    config = {"image_size": 32, "margin": 0.4, "datasets": {"agedb": {"detector": "mtcnn", "no_face": "drop",
                                                                      "min_confidence": 0.9, "protocol_file": None}}}
    assert prepare_options(config, "agedb")["no_face"] == "drop"
    config["datasets"]["agedb"]["protocol_file"] = "AgeDB.json"
    assert prepare_options(config, "agedb")["no_face"] == "keep"
