"""The unified age-estimation benchmark (Paplham & Franc, CVPR 2024): database files and splits.

A database file is a JSON list, one entry per picture: `img_path` (the raw picture inside the
dataset; its prefix need not match the archive's folders, its extension's case varies), `age`
(-1: unknown), `folder` (an integer; all pictures of one person share one folder), `database`, an
identity (`id_num`, or AgeDB's `name` and `number`), optionally `gender` and `aligned_bbox`.

Pictures are joined to entries by file name (the last component of `img_path`, case-insensitive).
An entry without its picture, a picture without an entry, an identity in two folders and a folder
outside the split definition are counted and listed in the report, never guessed.

Splits (the benchmark's table): datasets with 10 folders have 5 splits of training / validation /
test folders; FG-NET is a test-only, cross-dataset set (all its pictures are `tst`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from agecascade.datasets import dataset as dataset_descriptor
from agecascade.data.folds import without_face
from agecascade.outputs import write_text

# split: (training, validation, test) folders, for datasets with folders 0-9
TEN_FOLDERS = {0: ((0, 1, 2, 3, 4, 5), (6, 7), (8, 9)), 1: ((2, 3, 4, 5, 6, 7), (8, 9), (0, 1)),
               2: ((4, 5, 6, 7, 8, 9), (0, 1), (2, 3)), 3: ((5, 6, 7, 8, 9, 0), (1, 2), (3, 4)),
               4: ((6, 7, 8, 9, 0, 1), (2, 3), (4, 5))}
# CLAP2016 and CACD2000 keep their official split as folders 0 / 1 / 2
THREE_FOLDERS = {0: ((0,), (1,), (2,))}
# a dataset's scheme is its descriptor's `unified_splits` (agecascade.datasets)
SPLIT_SCHEMES = {"ten_folders": TEN_FOLDERS, "three_folders": THREE_FOLDERS}


def read_database(path) -> pd.DataFrame:
    """A database file as a table: file (name, lower case), img_path, age (NaN: unknown), folder,
    identity, gender.

    Raises:
        ValueError: not a JSON list of entries with `img_path`, `age` and `folder`, naming the entry.
    """
    entries = json.loads(Path(path).read_text())
    if not isinstance(entries, list):
        raise ValueError(f"{path}: a database file is a JSON list of entries.")
    rows = []
    for number, entry in enumerate(entries):
        missing = [key for key in ("img_path", "age", "folder") if key not in entry]
        if missing:
            raise ValueError(f"{path}: entry {number} has no {', '.join(missing)}: {entry}")
        identity = entry.get("id_num", entry.get("name"))  # AgeDB's `number` numbers pictures, not people
        rows.append({"file": str(entry["img_path"]).replace("\\", "/").rsplit("/", 1)[-1].lower(),
                     "img_path": entry["img_path"], "age": float(entry["age"]) if entry["age"] != -1 else None,
                     "folder": int(entry["folder"]), "identity": str(identity), "gender": entry.get("gender")})
    return pd.DataFrame(rows, columns=["file", "img_path", "age", "folder", "identity", "gender"])


def join(entries: pd.DataFrame, manifest: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The manifest's pictures with their entries (by file name), and what did not match."""
    names = manifest["source"].astype(str).str.replace("\\", "/", regex=False).str.rsplit("/", n=1).str[-1]
    pictures = manifest.assign(file=names.str.lower().to_numpy())
    twice = entries[entries.duplicated("file", keep=False)]
    joined = pictures.merge(entries.drop_duplicates("file", keep=False), on="file", how="left",
                            suffixes=("", "_database"), validate="many_to_one")
    folders = entries.groupby("identity")["folder"].nunique()
    report = {"entries": len(entries), "pictures": len(manifest),
              "entries_without_picture": sorted(set(entries["file"]) - set(pictures["file"])),
              "pictures_without_entry": sorted(joined.loc[joined["folder"].isna(), "source"].astype(str)),
              "entries_named_twice": sorted(set(twice["file"])),
              "identities_in_two_folders": sorted(folders[folders > 1].index)}
    return joined, report


def split_columns(joined: pd.DataFrame, scheme: str, report: dict) -> pd.DataFrame:
    """`split0`... of each picture: trn, val, tst, or empty (no entry, or a folder the split
    definition leaves out, listed in `report`)."""
    if scheme == "test_only":
        return pd.DataFrame({"split0": joined["folder"].notna().map({True: "tst", False: ""})})
    splits = SPLIT_SCHEMES[scheme]
    known = {f for parts in splits.values() for part in parts for f in part}
    outside = joined["folder"].notna() & ~joined["folder"].isin(known)
    report["folders_outside_splits"] = sorted(int(f) for f in joined.loc[outside, "folder"].unique())
    columns = {}
    for split, (train, val, test) in splits.items():
        part = {**dict.fromkeys(train, "trn"), **dict.fromkeys(val, "val"), **dict.fromkeys(test, "tst")}
        columns[f"split{split}"] = joined["folder"].map(part).fillna("")
    return pd.DataFrame(columns)


def write_unified_split(dataset: str, manifest_csv, database_json, output_csv, report_json) -> pd.DataFrame:
    """The unified split table of a prepared dataset: one row per face of its store (source,
    subject, age, folder, split0...), and a report of what did not match."""
    manifest = pd.read_csv(manifest_csv, dtype={"subject": str})
    joined, report = join(read_database(database_json), manifest)
    # the database's age where the picture has an entry (-1 there: unknown), else the dataset's own
    age = joined["age_database"].where(joined["folder"].notna(), manifest["age"])
    table = pd.DataFrame({"index": range(len(manifest)), "source": manifest["source"],
                          "subject": manifest["subject"], "age": age, "folder": joined["folder"].astype("Int64")})
    # the training label: whole years, the database's age (empty: unknown, never trained or tested on)
    table["label"] = table["age"].round().astype("Int64")
    scheme = dataset_descriptor(dataset).unified_splits
    table = pd.concat([table, split_columns(joined, scheme, report)], axis=1)
    sizes = {c: table[c].value_counts().to_dict() for c in table if c.startswith("split")}
    report.update({"dataset": dataset, "protocol": scheme, "sizes": sizes,
                   "pictures_kept_whole_without_face": int(without_face(manifest).sum())})
    table.to_csv(output_csv, index=False)
    write_text(report_json, json.dumps(report, indent=1) + "\n")
    return table
