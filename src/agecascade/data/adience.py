"""Adience (aligned version): `fold_<k>_data.txt` files and `aligned/<user>/...` pictures."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

CANONICAL_GROUPS = ((0, 2), (4, 6), (8, 12), (15, 20), (25, 32), (38, 43), (48, 53), (60, 100))
GROUP_NAMES = tuple(f"{low}-{high}" for low, high in CANONICAL_GROUPS)
N_FOLDS = 5
LABEL_POLICIES = ("strict", "nearest")
_PAIR = re.compile(r"^\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def parse_age(label: str, policy: str = "strict") -> int | None:
    """Age-group index (0-7) of an Adience age label, or None when the label is dropped.

    `strict` (the study's choice) keeps only the 8 canonical groups. `nearest` also maps the
    messy labels of the real files (`(27, 32)`, `(38, 42)`, bare numbers such as `35`) to the group
    whose interval is closest to the label's midpoint; `None` is always dropped.
    """
    if policy not in LABEL_POLICIES:
        raise ValueError(f"policy must be one of {LABEL_POLICIES}. Received: policy={policy!r}")
    label = str(label).strip()
    match = _PAIR.match(label)
    if match:
        pair = (int(match[1]), int(match[2]))
        if pair in CANONICAL_GROUPS:
            return CANONICAL_GROUPS.index(pair)
        if policy == "strict":
            return None
        value = sum(pair) / 2.0
    elif re.fullmatch(r"\d+(\.\d+)?", label):
        if policy == "strict":
            return None
        value = float(label)
    else:
        return None
    distances = [max(low - value, 0, value - high) for low, high in CANONICAL_GROUPS]
    return int(min(range(len(distances)), key=distances.__getitem__))


def read_adience(root: Path, policy: str = "strict"):
    """Parse the five Adience fold files in `root` (beside the `aligned/` folder).

    Returns:
        (records, dropped): one row per labelled face (source, path, subject = user_id,
        age_group, fold, gender) and the count of rows dropped for their age label.
    """
    aligned = root / "aligned"
    rows, dropped = [], {"age_label_dropped": 0}
    for fold in range(N_FOLDS):
        table = pd.read_csv(
            root / f"fold_{fold}_data.txt", sep="\t", dtype=str, keep_default_na=False
        )
        for row in table.itertuples(index=False):
            group = parse_age(row.age, policy)
            if group is None:
                dropped["age_label_dropped"] += 1
                continue
            source = f"aligned/{row.user_id}/landmark_aligned_face.{row.face_id}.{row.original_image}"
            rows.append(
                {
                    "source": source,
                    "path": str(root / source),
                    "subject": row.user_id,
                    "age_group": group,
                    "fold": fold,
                    "gender": row.gender if row.gender in ("f", "m") else "",
                }
            )
    if not aligned.is_dir():
        raise FileNotFoundError(f"Adience pictures {aligned} not found beside the fold files.")
    return pd.DataFrame(rows), dropped


def looks_like_root(path: Path) -> bool:
    return (path / "fold_0_data.txt").is_file()


def class_names(spec: dict) -> tuple[str, ...] | None:
    """Names of the classes of an Adience benchmark config entry (None for age benchmarks).

    With `merge_groups`, a merged class spans from its first group's lower bound to its last
    group's upper bound ("0-12", "15-20", "25-100").
    """
    if spec.get("protocol") != "official_folds":
        return None
    merged = spec.get("merge_groups")
    if not merged:
        return GROUP_NAMES
    return tuple(f"{CANONICAL_GROUPS[min(m)][0]}-{CANONICAL_GROUPS[max(m)][1]}" for m in merged)
