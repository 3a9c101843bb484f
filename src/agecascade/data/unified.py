"""The unified age-estimation benchmark (Paplham & Franc, CVPR 2024): database files and splits.

A database file is a JSON list, one entry per picture: `img_path` (the raw picture inside the
dataset; its prefix need not match the archive's folders, its extension's case varies), `age`
(-1: unknown), `folder` (an integer; all pictures of one person share one folder), `database`, an
identity (`id_num`, or AgeDB's `name` and `number`), optionally `gender` and `aligned_bbox`.

Pictures are joined to entries by file name (the last component of `img_path`, case-insensitive).
An entry without its picture, a picture without an entry, an identity in two folders and a folder
outside the split definition are counted and listed in the report, never guessed.

Splits come from the dataset's benchmark file (`agecascade.data.benchmark`): `split<k>` of each
picture is `trn`, `val` or `tst` as the file's first entry says; a dataset without a benchmark file
(FG-NET) is a test-only, cross-dataset set (all its pictures are `tst`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from agecascade.data.folds import without_face
from agecascade.outputs import write_text

class DatabaseFileError(ValueError):
    """A database file that cannot be used: the message names the file and the entry."""


MAX_AGE = 120  # an age in years above this is a typing error, not a person; -1 is "unknown"
BENCHMARK_AGES = range(0, 102)  # the benchmark's output layer: ages 0-101, 102 classes


def benchmark_label_space(labels: pd.Series) -> dict:
    """The output layer of the unified jobs: ages 0-101 as the benchmark's (so FG-NET's ages 0 and
    2, which AgeDB lacks, can be predicted exactly), extended to the oldest label where a dataset
    has one above 101 (none is left out)."""
    oldest = int(labels.max()) if labels.notna().any() else BENCHMARK_AGES[-1]
    values = list(range(BENCHMARK_AGES[0], max(BENCHMARK_AGES[-1], oldest) + 1))
    return {"split": "unified", "size": len(values), "kind": "age", "values": values,
            "names": [str(v) for v in values]}


def _entries(path) -> list:
    """The JSON list of a database file (UTF-8, a byte-order mark allowed)."""
    try:
        entries = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte {error.start}); a database file is UTF-8 JSON."
        raise DatabaseFileError(f"{path}: {message}") from None
    except json.JSONDecodeError as error:
        message = f"not valid JSON ({error.msg}, line {error.lineno} column {error.colno})."
        raise DatabaseFileError(f"{path}: {message}") from None
    if not isinstance(entries, list):
        raise DatabaseFileError(f"{path}: a database file is a JSON list of entries, not a {type(entries).__name__}.")
    return entries


def _number(value, entry: str, key: str, integer: bool) -> float:
    """A finite number (a whole one with `integer`) from an entry, or a DatabaseFileError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DatabaseFileError(f"{entry}: {key} {value!r} is not a finite number.")
    if integer and value != int(value):
        raise DatabaseFileError(f"{entry}: {key} {value!r} is not a whole number.")
    return value


def _row(path, number: int, entry, identity_key: str | None) -> dict:
    """One entry as a table row, checked (each problem names the file and the entry number)."""
    where = f"{path}: entry {number}"
    if not isinstance(entry, dict):
        raise DatabaseFileError(f"{where} is {type(entry).__name__ if entry is not None else 'null'}, not an object.")
    missing = [key for key in ("img_path", "age", "folder") if key not in entry]
    if missing:
        raise DatabaseFileError(f"{where} has no {', '.join(missing)}.")
    age = _number(entry["age"], where, "age", integer=False)
    if age != -1 and not 0 <= age <= MAX_AGE:
        raise DatabaseFileError(f"{where}: age {age!r} is outside 0-{MAX_AGE} (-1 means unknown).")
    folder = int(_number(entry["folder"], where, "folder", integer=True))
    identity = entry.get(identity_key) if identity_key else None
    if identity_key and identity is None:
        raise DatabaseFileError(f"{where} has no {identity_key}, which the file's other entries have.")
    return {"file": str(entry["img_path"]).replace("\\", "/").rsplit("/", 1)[-1].lower(),
            "img_path": entry["img_path"], "age": float(age) if age != -1 else None, "folder": folder,
            "identity": "" if identity is None else str(identity), "gender": entry.get("gender"),
            "aligned_bbox": _box(entry.get("aligned_bbox"), where)}


def _box(value, where: str) -> tuple | None:
    """An `aligned_bbox`: 8 finite numbers, or None where the entry has none (an empty list)."""
    if value is None or value == []:
        return None
    if not isinstance(value, list) or len(value) != 8:
        raise DatabaseFileError(f"{where}: aligned_bbox {value!r} is not 8 numbers (corners A, B, C, D).")
    return tuple(float(_number(v, where, "aligned_bbox", integer=False)) for v in value)


def read_database(path) -> pd.DataFrame:
    """A database file as a table: file (name, lower case), img_path, age (NaN: unknown), folder,
    identity (empty where the file has none: CLAP2016), gender, aligned_bbox (8 numbers, or None).

    The identity is `id_num`, or AgeDB's `name` (its `number` numbers pictures, not people): the
    first entry that has one decides which key, and every entry must have it.

    Raises:
        DatabaseFileError: one line naming the file and the entry number: not UTF-8 JSON, not a
            list, an entry that is not an object, without `img_path`, `age` or `folder`, an age
            that is not a number or outside 0-120 (-1: unknown), a folder that is not a whole
            number, or an identity some entries lack.
    """
    entries = _entries(path)
    first = next((e for e in entries if isinstance(e, dict) and ("id_num" in e or "name" in e)), {})
    identity_key = "id_num" if "id_num" in first else ("name" if "name" in first else None)
    rows = [_row(path, number, entry, identity_key) for number, entry in enumerate(entries)]
    return pd.DataFrame(rows, columns=["file", "img_path", "age", "folder", "identity", "gender", "aligned_bbox"])


def _file_name(paths: pd.Series) -> pd.Series:
    return paths.astype(str).str.replace("\\", "/", regex=False).str.rsplit("/", n=1).str[-1]


def join(entries: pd.DataFrame, manifest: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The manifest's pictures with their entries, and what did not match.

    A picture is joined by its file name compared without case (the databases' extensions'
    case varies). Where two pictures' names differ only in case, each is joined by its exact
    name instead, and one whose exact name no single entry has is left out and reported
    (`pictures_sharing_a_name`): never two pictures on one entry's label."""
    names = _file_name(manifest["source"])
    clashing = set(names[names.str.lower().duplicated(keep=False)].str.lower())
    pictures = manifest.assign(file=[f"={n}" if n.lower() in clashing else n.lower() for n in names])
    exact = _file_name(entries["img_path"])
    entries = entries.assign(file=[f"={n}" if n.lower() in clashing else n.lower() for n in exact])
    twice = entries[entries.duplicated("file", keep=False)]
    joined = pictures.merge(entries.drop_duplicates("file", keep=False), on="file", how="left",
                            suffixes=("", "_database"), validate="many_to_one")
    folders = entries.groupby("identity")["folder"].nunique()
    unmatched = joined["folder"].isna()
    report = {"entries": len(entries), "pictures": len(manifest),
              "entries_without_picture": sorted(set(entries["file"]) - set(pictures["file"])),
              "pictures_without_entry": sorted(joined.loc[unmatched & ~joined["file"].str.startswith("="),
                                                           "source"].astype(str)),
              "pictures_sharing_a_name": sorted(joined.loc[unmatched & joined["file"].str.startswith("="),
                                                           "source"].astype(str)),
              "entries_named_twice": sorted(set(twice["file"])),
              "identities_in_two_folders": sorted(folders[folders > 1].index)}
    return joined, report


def split_columns(joined: pd.DataFrame, protocol: dict, report: dict) -> pd.DataFrame:
    """`split0`... of each picture (one per split of the protocol, `data.benchmark`): trn, val,
    tst, or empty (no entry, or a folder the split leaves out, listed in `report`). A test-only
    protocol (no splits) has one column, `tst` for every picture with an entry."""
    if not protocol["splits"]:
        return pd.DataFrame({"split0": joined["folder"].notna().map({True: "tst", False: ""})})
    known = {f for split in protocol["splits"] for part in split.values() for f in part}
    outside = joined["folder"].notna() & ~joined["folder"].isin(known)
    report["folders_outside_splits"] = sorted(int(f) for f in joined.loc[outside, "folder"].unique())
    columns = {}
    for number, split in enumerate(protocol["splits"]):
        part = {folder: name for name in ("trn", "val", "tst") for folder in split[name]}
        columns[f"split{number}"] = joined["folder"].map(part).fillna("")
    return pd.DataFrame(columns)


def write_unified_split(dataset: str, files: dict, protocol: dict) -> pd.DataFrame:
    """The unified split table of a prepared dataset: one row per face of its store (source,
    subject, age, folder, label, split0...), a report of what did not match, and the protocol
    (its splits and cross-dataset tests) as JSON for the training jobs.

    Args:
        files: `manifest`, `database` (read) and `split`, `report`, `protocol`, `labels` (the
            unified jobs' label space, `benchmark_label_space`) (written).
        protocol: `data.benchmark.protocol` (or `no_training_protocol`).
    """
    manifest = pd.read_csv(files["manifest"], dtype={"subject": str})
    joined, report = join(read_database(files["database"]), manifest)
    # the database's age where the picture has an entry (-1 there: unknown), else the dataset's own
    age = joined["age_database"].where(joined["folder"].notna(), manifest["age"])
    table = pd.DataFrame({"index": range(len(manifest)), "source": manifest["source"],
                          "subject": manifest["subject"], "age": age, "folder": joined["folder"].astype("Int64")})
    # the training label: whole years, the database's age (empty: unknown, never trained or tested on)
    table["label"] = table["age"].round().astype("Int64")
    table = pd.concat([table, split_columns(joined, protocol, report)], axis=1)
    sizes = {c: table[c].value_counts().to_dict() for c in table if c.startswith("split")}
    identities = joined["identity"].fillna("").astype(str).ne("").any()
    report.update({"dataset": dataset, "benchmark_tag": protocol["tag"], "splits": len(protocol["splits"]),
                   "split_by": "the database's folders, which keep each identity in one" if identities else
                   "the database's folders alone: the file names no identities (CLAP2016)",
                   "sizes": sizes, "skipped_cross_tests": protocol["skipped"],
                   "pictures_kept_whole_without_face": int(without_face(manifest).sum())})
    table.to_csv(files["split"], index=False)
    write_text(files["report"], json.dumps(report, indent=1) + "\n")
    write_text(files["protocol"], json.dumps(protocol, indent=1) + "\n")
    write_text(files["labels"], json.dumps(benchmark_label_space(table["label"]), indent=1) + "\n")
    return table
