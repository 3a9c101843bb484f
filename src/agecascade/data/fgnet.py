"""FG-NET: `images/<NNN>A<yy>[a|b].JPG` (subject, age; a/b = two photos at the same age)."""

from __future__ import annotations

import re
from pathlib import Path

from agecascade.data.named_files import read_named_files

NAME = re.compile(r"^(?P<subject>\d{3})A(?P<age>\d{2})(?P<copy>[ab])?\.jpe?g$", re.IGNORECASE)


def parse_name(filename: str) -> dict | None:
    """Subject and age of an FG-NET file name (`001A43a.JPG`, `010a07.jpg`), or None."""
    match = NAME.match(filename)
    if not match:
        return None
    return {"subject": str(int(match["subject"])), "age": int(match["age"])}


def read_fgnet(root: Path):
    """Parse FG-NET's `images/` folder.

    Returns:
        (records, dropped): one row per picture (source, path, subject, age) and the count of
        files whose name is not an FG-NET name.
    """
    return read_named_files(root, parse_name, source_prefix="images/", gender="")


LAYOUT = "a folder of <NNN>A<yy>.JPG pictures (FGNET/images/)"


def looks_like_root(path: Path) -> bool:
    return path.is_dir() and any(parse_name(p.name) for p in path.iterdir() if p.is_file())


def read(root: Path, label_policy: str | None, cleaning: dict):
    """The registry's parser interface (`agecascade.datasets`)."""
    return read_fgnet(root)
