"""The four datasets' on-disk formats in one table: how to recognise a dataset's folder, what it
should look like (for the error message), and its parser. Preparation asks this registry; the
parsers know nothing of downloads, and downloads nothing of formats."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from agecascade.data import adience, agedb, fgnet, imdb
from agecascade.download import SourceError


@dataclass(frozen=True)
class DatasetFormat:
    """A dataset's layout and parser.

    Attributes:
        looks_like_root: true for the folder the parser reads.
        layout: what that folder holds, for error messages.
        read: (root, label_policy, cleaning) -> (records, dropped counts).
    """

    looks_like_root: Callable[[Path], bool]
    layout: str
    read: Callable[[Path, str, dict | None], tuple]


FORMATS = {
    "imdb": DatasetFormat(imdb.looks_like_root, imdb.LAYOUT,
                          lambda root, label_policy, cleaning: imdb.read_imdb(root, **(cleaning or {}))),
    "agedb": DatasetFormat(agedb.looks_like_root, agedb.LAYOUT,
                           lambda root, label_policy, cleaning: agedb.read_agedb(root)),
    "fgnet": DatasetFormat(fgnet.looks_like_root, fgnet.LAYOUT,
                           lambda root, label_policy, cleaning: fgnet.read_fgnet(root)),
    "adience": DatasetFormat(adience.looks_like_root, adience.LAYOUT,
                             lambda root, label_policy, cleaning: adience.read_adience(root, label_policy)),
}


def find_in_roots(roots: list[Path], match, max_depth: int = 4, expected: str = "") -> Path:
    """Breadth-first search of the roots for the shallowest path for which `match(path)` is true.

    Args:
        expected: what the layout looks like, for the error message.
    """
    level = list(roots)
    for _ in range(max_depth + 1):
        for path in level:
            if match(path):
                return path
        level = sorted(child for path in level if path.is_dir() for child in path.iterdir() if child.is_dir())
        if not level:
            break
    raise SourceError(
        f"Could not find the expected dataset layout under {[str(r) for r in roots]} (searched "
        f"{max_depth} folders deep){': expected ' + expected if expected else ''}. Check the dataset's "
        "`source` in config.yaml."
    )


def read_records(dataset: str, roots: list[Path], label_policy: str | None = None, cleaning: dict | None = None):
    """Find the dataset's layout under `roots` (the downloaded folders) and parse it: (records, dropped)."""
    if dataset not in FORMATS:
        raise ValueError(f"Unknown dataset. Expected one of {tuple(FORMATS)}. Received: dataset={dataset!r}")
    fmt = FORMATS[dataset]
    return fmt.read(find_in_roots(roots, fmt.looks_like_root, expected=fmt.layout), label_policy, cleaning)
