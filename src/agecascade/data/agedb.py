"""AgeDB: pictures named `<id>_<Name>_<age>_<m|f>.jpg`."""

from __future__ import annotations

import re
from pathlib import Path

from agecascade.data.named_files import read_named_files

NAME = re.compile(r"^(?P<id>\d+)_(?P<name>.+)_(?P<age>\d+)_(?P<gender>[mfMF])\.jpe?g$", re.IGNORECASE)


def parse_name(filename: str) -> dict | None:
    """Fields of an AgeDB file name, or None if it is not one."""
    match = NAME.match(filename)
    if not match:
        return None
    return {
        "subject": match["name"],
        "age": int(match["age"]),
        "gender": match["gender"].lower(),
    }


def read_agedb(root: Path):
    """Parse AgeDB's file names under `root` (the folder holding the pictures).

    Returns:
        (records, dropped): one row per picture (source, path, subject, age, gender) and the
        count of files whose name is not an AgeDB name.
    """
    return read_named_files(root, parse_name)


LAYOUT = "a folder of <id>_<name>_<age>_<gender>.jpg pictures"


def looks_like_root(path: Path) -> bool:
    return path.is_dir() and any(parse_name(p.name) for p in path.iterdir() if p.is_file())


def read(root: Path, label_policy: str | None, cleaning: dict):
    """The registry's parser interface (`agecascade.datasets`)."""
    return read_agedb(root)
