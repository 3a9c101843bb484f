"""The unified benchmark's benchmark files (Paplham & Franc, CVPR 2024): the protocol of a dataset.

A benchmark file (`facebase/benchmarks/<Dataset>.yaml` in the benchmark's repository) is a YAML
list of entries `database` (their own path of a database file: informational only), `tag` (a
dataset's name) and `split` (a list of `{trn: [folders], val: [folders], tst: [folders]}`). Its
first entry is the dataset's own protocol (five splits for AgeDB, UTKFace, AFAD and MORPH; one for
CLAP2016 and CACD2000); every other entry is a cross-dataset test of the models trained on it
(`trn` and `val` empty), with as many splits as the first.

Entries are matched to configured datasets by tag, compared as `tag_key` (lower case, letters and
digits only: `FG-NET` -> `fgnet`). A cross entry whose dataset is not configured is skipped and
listed, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from agecascade.datasets import tag_key

PARTS = ("trn", "val", "tst")


class BenchmarkFileError(ValueError):
    """A benchmark file that cannot be used: the message names the file and the entry."""


@dataclass(frozen=True)
class Entry:
    """One entry of a benchmark file: its tag, its `database` (informational) and its splits, each
    a {trn, val, tst: tuple of folders}."""

    tag: str
    database: str
    splits: tuple[dict, ...]

    @property
    def key(self) -> str:
        return tag_key(self.tag)


def _folders(value, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or any(isinstance(f, bool) or not isinstance(f, int) for f in value):
        raise BenchmarkFileError(f"{where} is not a list of whole folder numbers: {value!r}.")
    return tuple(value)


def _entry(path, number: int, raw) -> Entry:
    where = f"{path}: entry {number}"
    if not isinstance(raw, dict) or not {"tag", "split"} <= set(raw):
        raise BenchmarkFileError(f"{where} is not a mapping with `tag` and `split`.")
    if not isinstance(raw["split"], list) or not raw["split"]:
        raise BenchmarkFileError(f"{where} ({raw['tag']}): `split` is not a non-empty list.")
    splits = []
    for k, split in enumerate(raw["split"]):
        if not isinstance(split, dict) or set(split) != set(PARTS):
            raise BenchmarkFileError(f"{where} ({raw['tag']}) split {k}: expected exactly trn, val and tst.")
        splits.append({part: _folders(split[part], f"{where} ({raw['tag']}) split {k} {part}") for part in PARTS})
    return Entry(str(raw["tag"]), str(raw.get("database", "")), tuple(splits))


def read_benchmark(path) -> list[Entry]:
    """The entries of a benchmark file, checked: a YAML list whose first entry trains (a split with
    `trn` folders) and whose other entries only test, each with as many splits as the first.

    Raises:
        BenchmarkFileError: one line naming the file (and the entry) of what is wrong.
    """
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise BenchmarkFileError(f"{path}: not a readable YAML file ({str(error).splitlines()[0]}).") from None
    if not isinstance(raw, list) or not raw:
        raise BenchmarkFileError(f"{path}: a benchmark file is a non-empty YAML list of entries.")
    entries = [_entry(path, number, item) for number, item in enumerate(raw)]
    own, others = entries[0], entries[1:]
    if any(not split["trn"] or not split["tst"] for split in own.splits):
        raise BenchmarkFileError(f"{path}: entry 0 ({own.tag}) is the dataset's own protocol; every split needs "
                                 "trn and tst folders.")
    for number, entry in enumerate(others, start=1):
        if len(entry.splits) != len(own.splits):
            raise BenchmarkFileError(f"{path}: entry {number} ({entry.tag}) has {len(entry.splits)} splits, "
                                     f"the first entry {len(own.splits)}.")
        if any(split["trn"] or split["val"] for split in entry.splits):
            raise BenchmarkFileError(f"{path}: entry {number} ({entry.tag}) is a cross-dataset test; its trn and "
                                     "val must be empty.")
    return entries


def protocol(entries: list[Entry], dataset: str, tags: dict[str, str], expected_splits: int) -> dict:
    """A dataset's protocol from its benchmark file's entries.

    Args:
        dataset: the configured dataset the file belongs to.
        tags: {tag_key: configured dataset} of the datasets that can be tested (the training
            dataset's own tag included), as `benchmark_tags` gives them.
        expected_splits: the number of splits the config declares (`datasets.<name>.benchmark_splits`).

    Returns:
        {dataset, tag, splits: [{trn, val, tst}], cross_tests: {dataset: [tst folders per split]},
        skipped: [tags of cross entries whose dataset is not configured]}.

    Raises:
        BenchmarkFileError: the first entry's tag is not the dataset's, or its split count is not
            the config's.
    """
    own = entries[0]
    if tags.get(own.key) != dataset:
        raise BenchmarkFileError(f"the benchmark file of {dataset} starts with tag {own.tag!r}, which is not "
                                 f"{dataset}'s (set datasets.{dataset}.benchmark_tag if it answers to it).")
    if len(own.splits) != expected_splits:
        raise BenchmarkFileError(f"the benchmark file of {dataset} has {len(own.splits)} splits; the config "
                                 f"says {expected_splits} (datasets.{dataset}.benchmark_splits). Correct the "
                                 "config: the plan's jobs follow it.")
    cross = {tags[e.key]: [list(s["tst"]) for s in e.splits] for e in entries[1:] if e.key in tags}
    skipped = [e.tag for e in entries[1:] if e.key not in tags]
    return {"dataset": dataset, "tag": own.tag, "splits": [{p: list(s[p]) for p in PARTS} for s in own.splits],
            "cross_tests": {d: folders for d, folders in cross.items() if d != dataset}, "skipped": skipped}


def no_training_protocol(dataset: str) -> dict:
    """The protocol of a dataset without a benchmark file: a test set only (all its folders)."""
    return {"dataset": dataset, "tag": None, "splits": [], "cross_tests": {}, "skipped": []}


def dataset_protocol(dataset: str, benchmark_file, tags: dict[str, str], expected_splits: int | None) -> dict:
    """`protocol` of a dataset's benchmark file, or `no_training_protocol` where it has none (None)."""
    if benchmark_file is None:
        return no_training_protocol(dataset)
    return protocol(read_benchmark(benchmark_file), dataset, tags, int(expected_splits))


def write_benchmark(path, entries: list[dict]) -> None:
    """Write a benchmark file in the published shape (a YAML list of database, tag, split); the
    demo's and the tests' synthetic ones."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(yaml.safe_dump(entries, sort_keys=False, default_flow_style=None))
