"""Adience (aligned version): `fold_<k>_data.txt` files and `aligned/<user>/...` pictures."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from agecascade.config import dataset_default

CANONICAL_GROUPS = ((0, 2), (4, 6), (8, 12), (15, 20), (25, 32), (38, 43), (48, 53), (60, 100))
GROUP_NAMES = tuple(f"{low}-{high}" for low, high in CANONICAL_GROUPS)
N_FOLDS = 5
LABEL_POLICIES = ("strict", "nearest")
_PAIR = re.compile(r"^\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def parse_age(label: str, policy: str) -> int | None:
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


FOLD_COLUMNS = ("user_id", "original_image", "face_id", "age", "gender")


def read_fold_file(path: Path) -> tuple[list[dict], list[dict]]:
    """The rows of one `fold_<k>_data.txt`, read strictly: tab-separated, no quoting (the format
    has none: a stray `"` is an ordinary character and never joins lines), one row per line.

    Returns:
        (rows, malformed): a dict per well-formed line, and `{file, line, reason}` for each line
        whose field count differs from the header's (counted and skipped, never fatal).

    Raises:
        ValueError: the header lacks a column the workflow needs (naming the file).
    """
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    header = lines[0].split("\t") if lines else []
    missing = [c for c in FOLD_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{path}: the header has no column {missing} (expected the tab-separated columns "
                         f"{', '.join(FOLD_COLUMNS)}, ... of Adience's fold files).")
    rows, malformed = [], []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            malformed.append({"file": str(path), "line": number,
                              "reason": f"malformed_line: {len(fields)} fields, the header has {len(header)}"})
            continue
        rows.append(dict(zip(header, fields)))
    return rows, malformed


def read_adience(root: Path, policy: str | None = None):
    """Parse the five Adience fold files in `root` (beside the `aligned/` folder).

    Args:
        root: the folder with the fold files and `aligned/`.
        policy: the age-label policy (`strict` or `nearest`; None: the config schema's default).

    Returns:
        (records, dropped): one row per labelled face (source, path, subject = user_id,
        age_group, fold, gender) and the count of rows dropped per reason (age label, malformed
        line). `records.attrs["skipped"]` lists each malformed line (file, line number, reason).
    """
    policy = policy or dataset_default("label_policy")
    aligned = root / "aligned"
    if not aligned.is_dir():
        raise FileNotFoundError(f"Adience pictures {aligned} not found beside the fold files.")
    rows, dropped, skipped = [], {"age_label_dropped": 0, "malformed_line": 0}, []
    for fold in range(N_FOLDS):
        lines, malformed = read_fold_file(root / f"fold_{fold}_data.txt")
        dropped["malformed_line"] += len(malformed)
        skipped.extend(malformed)
        for row in lines:
            group = parse_age(row["age"], policy)
            if group is None:
                dropped["age_label_dropped"] += 1
                continue
            source = f"aligned/{row['user_id']}/landmark_aligned_face.{row['face_id']}.{row['original_image']}"
            rows.append(
                {
                    "source": source,
                    "path": str(root / source),
                    "subject": row["user_id"],
                    "age_group": group,
                    "fold": fold,
                    "gender": row["gender"] if row["gender"] in ("f", "m") else "",
                }
            )
    records = pd.DataFrame(rows)
    records.attrs["skipped"] = skipped
    return records, dropped


LAYOUT = "fold_0_data.txt ... fold_4_data.txt beside aligned/"


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


def read(root: Path, label_policy: str | None, cleaning: dict):
    """The registry's parser interface (`agecascade.datasets`)."""
    return read_adience(root, label_policy)
