"""Benchmark files of the unified benchmark (Paplham & Franc, CVPR 2024) as the protocol: written
here in the published shape (../shared/reference/unified-benchmark.md, "Benchmark files")."""

import pytest

from agecascade.data.benchmark import BenchmarkFileError, dataset_protocol, protocol, read_benchmark

CLAP2016 = """- database: "databases/CLAP2016_aligned.json"
  tag: "CLAP2016"
  split:
  - trn: [0]
    val: [1]
    tst: [2]
- database: "databases/AgeDB_aligned.json"
  tag: "AgeDB"
  split:
  - trn: []
    val: []
    tst: [0,1,2,3,4,5,6,7,8,9]
- database: "databases/MORPH_aligned.json"
  tag: "MORPH"
  split:
  - trn: []
    val: []
    tst: [0,1,2,3,4,5,6,7,8,9]
- database: "databases/FG-Net_aligned.json"
  tag: "FG-NET"
  split:
  - trn: []
    val: []
    tst: [1, 2, 3]
"""


def _agedb(splits=5, cross_splits=None):
    """An AgeDB benchmark file: the reference's five splits (or the first `splits`), an FG-NET and
    a UTKFace cross entry with `cross_splits` (default: as many) copies of their folders."""
    table = [([0, 1, 2, 3, 4, 5], [6, 7], [8, 9]), ([2, 3, 4, 5, 6, 7], [8, 9], [0, 1]),
             ([4, 5, 6, 7, 8, 9], [0, 1], [2, 3]), ([5, 6, 7, 8, 9, 0], [1, 2], [3, 4]),
             ([6, 7, 8, 9, 0, 1], [2, 3], [4, 5])][:splits]
    text = "- database: databases/AgeDB_aligned.json\n  tag: AgeDB\n  split:\n"
    text += "".join(f"  - trn: {t}\n    val: {v}\n    tst: {s}\n" for t, v, s in table)
    for tag, folders in (("FG-NET", list(range(1, 83))), ("UTKFace", list(range(10)))):
        text += f"- database: databases/{tag}_aligned.json\n  tag: {tag}\n  split:\n"
        text += f"  - trn: []\n    val: []\n    tst: {folders}\n" * (cross_splits or splits)
    return text


def _write(tmp_path, text, name="bench.yaml"):
    (tmp_path / name).write_text(text)
    return tmp_path / name


def test_five_intra_splits_and_their_cross_entries_matched_by_tag(tmp_path):
    path = _write(tmp_path, _agedb())
    spec = protocol(read_benchmark(path), "agedb", {"agedb": "agedb", "fgnet": "fgnet"}, 5)
    assert [s["tst"] for s in spec["splits"]] == [[8, 9], [0, 1], [2, 3], [3, 4], [4, 5]]
    assert spec["splits"][3] == {"trn": [5, 6, 7, 8, 9, 0], "val": [1, 2], "tst": [3, 4]}
    # FG-NET's tag "FG-NET" answers to the configured fgnet; one list of folders per split
    assert list(spec["cross_tests"]) == ["fgnet"] and len(spec["cross_tests"]["fgnet"]) == 5
    assert spec["cross_tests"]["fgnet"][4] == list(range(1, 83))
    # UTKFace is not configured here: skipped and listed, not an error
    assert spec["skipped"] == ["UTKFace"]


def test_one_split_clap2016_with_unconfigured_cross_entries(tmp_path):
    path = _write(tmp_path, CLAP2016)
    spec = protocol(read_benchmark(path), "clap2016", {"clap2016": "clap2016", "agedb": "agedb"}, 1)
    assert spec["splits"] == [{"trn": [0], "val": [1], "tst": [2]}]
    assert spec["cross_tests"] == {"agedb": [list(range(10))]}
    assert spec["skipped"] == ["MORPH", "FG-NET"]


def test_a_split_count_other_than_the_configs_is_refused_saying_both(tmp_path):
    path = _write(tmp_path, _agedb(splits=4))
    said = r"has 4 splits; the config says 5 \(datasets.agedb.benchmark_splits\)"
    with pytest.raises(BenchmarkFileError, match=said):
        dataset_protocol("agedb", path, {"agedb": "agedb"}, 5)


def test_a_cross_entry_with_another_split_count_is_refused(tmp_path):
    path = _write(tmp_path, _agedb(splits=5, cross_splits=1))
    with pytest.raises(BenchmarkFileError, match=r"entry 1 \(FG-NET\) has 1 splits, the first entry 5"):
        read_benchmark(path)


def test_a_file_of_another_dataset_is_refused(tmp_path):
    path = _write(tmp_path, CLAP2016)
    with pytest.raises(BenchmarkFileError, match="starts with tag 'CLAP2016', which is not agedb's"):
        dataset_protocol("agedb", path, {"agedb": "agedb"}, 1)


@pytest.mark.parametrize("text,said", [
    ("tag: AgeDB\n", "a non-empty YAML list"),
    ("- tag: AgeDB\n  split: [{trn: [0], val: [1]}]\n", "split 0: expected exactly trn, val and tst"),
    ("- tag: AgeDB\n  split: [{trn: [0], val: [1], tst: [x]}]\n", "not a list of whole folder numbers"),
    ("- tag: AgeDB\n  split: [{trn: [], val: [1], tst: [2]}]\n", "every split needs trn and tst folders"),
    ("- tag: AgeDB\n  split: [{trn: [0], val: [1], tst: [2]}]\n- tag: X\n  split: [{trn: [0], val: [], tst: [1]}]\n",
     "entry 1 (X) is a cross-dataset test; its trn and val must be empty"),
    ("- [unclosed\n", "not a readable YAML file"),
])
def test_a_malformed_benchmark_file_gets_one_line_naming_it(tmp_path, text, said):
    path = _write(tmp_path, text)
    with pytest.raises(BenchmarkFileError, match=r"bench\.yaml") as error:
        read_benchmark(path)
    assert said in str(error.value)


def test_two_configured_datasets_answering_to_one_tag_resolve_by_crop():
    from agecascade.datasets import benchmark_tags

    config = {"datasets": {"agedb": {"protocol_file": "a.json", "crop": "margin"},
                           "fgnet": {"protocol_file": "f.json", "crop": "margin"},
                           "fgnet_aligned": {"protocol_file": "fa.json", "crop": "aligned_bbox",
                                             "benchmark_tag": "FG-NET"}}}
    import agecascade.datasets as registry

    original = dict(registry.DATASETS)
    registry.DATASETS["fgnet_aligned"] = registry.Dataset("fgnet_aligned", "FG-NET (aligned)", "fgnet")
    try:
        assert benchmark_tags(config, "agedb")["fgnet"] == "fgnet"
        config["datasets"]["agedb"]["crop"] = "aligned_bbox"
        assert benchmark_tags(config, "agedb")["fgnet"] == "fgnet_aligned"
    finally:
        registry.DATASETS.clear()
        registry.DATASETS.update(original)


def test_the_benchmarks_selection_keeps_the_later_of_two_equal_epochs_ours_the_first():
    from agecascade.fit_settings import KEEP_BEST, KEEP_BEST_MEDIAN, KEEP_MONITORS, improves

    history = [6.0, 5.0, 5.5, 5.0, 7.0]  # validation MAE per epoch: epochs 2 and 4 tie at 5.0

    def kept(keep):
        monitor, later_wins = KEEP_MONITORS[keep]
        best, epoch = float("inf"), None
        for number, value in enumerate(history, start=1):
            if improves(value, best, later_wins):
                best, epoch = value, number
        return monitor, epoch

    assert kept(KEEP_BEST_MEDIAN) == ("val_median_mae", 4)  # the benchmark: a later epoch wins a tie
    assert kept(KEEP_BEST) == ("val_mae", 2)
    assert not improves(float("nan"), 5.0, True)
