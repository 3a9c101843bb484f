"""Pictures found from a unified-benchmark database file: the parser of the datasets that need
none of their own (UTKFace, AFAD, MORPH, CACD2000, CLAP2016), and the `aligned_bbox` boxes of
any dataset's pictures.

An entry's picture is the file under the dataset's downloaded folders whose name is the last
component of its `img_path`, compared without case (the files' prefixes differ from the
databases' and their extensions' case varies). Where several files share that name, the one whose
path ends with the entry's `img_path` (or whose name matches exactly) is taken; if that is still
not one file, the entry is reported and left out, never guessed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from agecascade.data.unified import join, read_database

PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
LAYOUT = "the pictures the dataset's database file names (img_path), anywhere under its source"


def index_pictures(roots: list[Path]) -> dict[str, list[tuple[Path, Path]]]:
    """{lower-case file name: [(root, path)]} of every picture under the roots."""
    index: dict[str, list[tuple[Path, Path]]] = {}
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix.lower() in PICTURE_SUFFIXES and path.is_file():
                index.setdefault(path.name.lower(), []).append((Path(root), path))
    return index


def _pick(candidates: list[tuple[Path, Path]], img_path: str) -> tuple[Path, Path] | None:
    """The one candidate an entry names, or None (none, or several that cannot be told apart)."""
    if len(candidates) == 1:
        return candidates[0]
    wanted = img_path.replace("\\", "/")
    for match in (lambda p: p.as_posix().endswith("/" + wanted), lambda p: p.name == wanted.rsplit("/", 1)[-1]):
        chosen = [c for c in candidates if match(c[1])]
        if len(chosen) == 1:
            return chosen[0]
    return None


def read_with_database(roots: list[Path], database) -> tuple[pd.DataFrame, dict]:
    """The pictures of a dataset as its database file names them.

    Returns:
        (records, dropped): one row per entry found (source: the path under its root, path,
        subject: the identity, empty where the file has none, age, gender, corners), and counts
        of entries without a picture and of names matching several pictures; both lists are in
        `records.attrs["skipped"]`.
    """
    entries = read_database(database)
    index = index_pictures(roots)
    rows, skipped = [], []
    for entry in entries.itertuples(index=False):
        candidates = index.get(entry.file, [])
        found = _pick(candidates, str(entry.img_path))
        if found is None:
            reason = "name_matches_several_pictures" if candidates else "entry_without_picture"
            skipped.append({"source": str(entry.img_path), "reason": reason})
            continue
        root, path = found
        rows.append({"source": path.relative_to(root).as_posix(), "path": str(path), "subject": entry.identity,
                     "age": entry.age, "gender": entry.gender or "", "corners": entry.aligned_bbox})
    records = pd.DataFrame(rows, columns=["source", "path", "subject", "age", "gender", "corners"])
    records.attrs["skipped"] = skipped
    dropped = {reason: sum(s["reason"] == reason for s in skipped)
               for reason in ("entry_without_picture", "name_matches_several_pictures")}
    return records, dropped


def with_aligned_boxes(records: pd.DataFrame, database, dropped: dict) -> tuple[pd.DataFrame, dict]:
    """`records` with the `corners` of their database entries (joined as the unified split joins
    them), those without a box left out and counted (`no_aligned_bbox`: the benchmark leaves
    them out), listed in `records.attrs["skipped"]`."""
    skipped = list(records.attrs.get("skipped", []))
    if "corners" not in records:
        joined, _ = join(read_database(database), records.reset_index(drop=True))
        records = records.reset_index(drop=True).assign(corners=joined["aligned_bbox"].to_numpy())
    missing = records["corners"].isna()
    skipped += [{"source": str(source), "reason": "no_aligned_bbox"} for source in records.loc[missing, "source"]]
    kept = records[~missing].reset_index(drop=True)
    kept.attrs["skipped"] = skipped
    return kept, {**dropped, "no_aligned_bbox": int(missing.sum())}
