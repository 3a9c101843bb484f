"""Finding a dataset's folder among its downloads and parsing it, through its descriptor
(`agecascade.datasets`): preparation asks this registry; the parsers know nothing of
downloads, and downloads nothing of formats."""

from __future__ import annotations

import importlib
from pathlib import Path

from agecascade.datasets import dataset as dataset_descriptor
from agecascade.download import SourceError


def parser(dataset: str):
    """The parser module of a dataset (`LAYOUT`, `looks_like_root`, `read`)."""
    return importlib.import_module(f"agecascade.data.{dataset_descriptor(dataset).parser}")


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


def read_records(dataset: str, roots: list[Path], label_policy: str | None = None, cleaning: dict | None = None,
                 database=None):
    """Find the dataset's layout under `roots` (the downloaded folders) and parse it: (records,
    dropped). A dataset without a parser of its own (`database_pictures`) is read from its
    unified-benchmark database file (`database`)."""
    module = parser(dataset)
    if hasattr(module, "read_with_database"):
        if database is None:
            raise SourceError(f"{dataset} is read from its database file (datasets.{dataset}.protocol_file), "
                              "which this preparation was not given.")
        return module.read_with_database(roots, database)
    root = find_in_roots(roots, module.looks_like_root, expected=module.LAYOUT)
    return module.read(root, label_policy, cleaning or {})
