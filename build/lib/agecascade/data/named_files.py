"""Datasets whose labels are in their file names (AgeDB, FG-NET): one folder, one parser per name."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pandas as pd


def read_named_files(root: Path, parse_name: Callable[[str], dict | None], source_prefix: str = "", **extra):
    """One row per file of `root` whose name `parse_name` understands (source, path, its fields,
    `extra`), and the count of files it did not: (records, {"unparsable_name": n})."""
    rows, unparsable = [], 0
    for path in sorted(p for p in root.iterdir() if p.is_file()):
        fields = parse_name(path.name)
        if fields is None:
            unparsable += 1
            continue
        rows.append({"source": f"{source_prefix}{path.name}", "path": str(path), **extra, **fields})
    return pd.DataFrame(rows), {"unparsable_name": unparsable}
