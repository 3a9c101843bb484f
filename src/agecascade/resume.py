"""Resume backups that belong to their job.

A training job backs up its state (model, optimizer, epoch, schedule) in `<backup>/checkpoint/`,
written whole or not at all (a staging folder swapped in: `swap_in`), and records in
`<backup>/job.json` what it belongs to: the job, its settings, and a fingerprint of every input
file (face store, split, label space, start model). A rerun resumes a backup only when that record
matches; otherwise, or when the backup cannot be read, it sets the backup aside with a one-line
warning saying why and starts afresh. It never resumes another job's state, and never fails on a
damaged backup.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint"
SMALL_FILE = 16 * 2**20  # hashed whole; larger files (face stores, models) by size and modification time


def fingerprint(path) -> dict | None:
    """What identifies a file's content: its sha256 (small files), or its size and modification
    time (large ones: a retrained model or a re-prepared store gets new ones)."""
    if path is None:
        return None
    stat = Path(path).stat()
    if stat.st_size <= SMALL_FILE:
        return {"sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}
    return {"bytes": stat.st_size, "modified_ns": stat.st_mtime_ns}


def swap_in(staging: Path, folder: Path) -> None:
    """Replace `folder` by the complete `staging` folder (two renames; `recover` repairs a kill
    between them)."""
    previous = folder.with_name(folder.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if folder.exists():
        folder.rename(previous)
    staging.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)


def recover(folder: Path) -> None:
    """Undo what a kill during `swap_in` or during writing left: a half-written staging folder
    goes, a folder renamed away and not yet replaced comes back."""
    shutil.rmtree(folder.with_name(folder.name + ".partial"), ignore_errors=True)
    previous = folder.with_name(folder.name + ".previous")
    if previous.exists() and not folder.exists():
        previous.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)


def _damage(checkpoint: Path) -> str | None:
    """Why the backup cannot be resumed (unreadable files), or None."""
    import h5py

    try:
        json.loads((checkpoint / "training_metadata.json").read_text())["epoch"]
        with h5py.File(checkpoint / "latest.weights.h5", "r"):
            pass
    except (OSError, ValueError, KeyError) as error:
        return f"it cannot be read ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})"
    return None


def _mismatch(backup_dir: Path, identity: dict) -> str | None:
    """What differs between the job that wrote the backup and this one, or None."""
    recorded_path = backup_dir / "job.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.is_file() else {}
    changed = _changed(recorded, json.loads(json.dumps(identity, default=str)))
    return f"it belongs to another job (changed: {', '.join(changed)})" if changed else None


def _changed(old: dict, new: dict, prefix: str = "") -> list[str]:
    keys = sorted(set(old) | set(new))
    changed = []
    for key in keys:
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            changed += _changed(old[key], new[key], f"{prefix}{key}.")
        elif old.get(key) != new.get(key):
            changed.append(f"{prefix}{key}")
    return changed


def open_backup(backup_dir: Path, identity: dict) -> bool:
    """Make `backup_dir` ready for a run of the job `identity`; True when it holds a backup of
    this very job, after at least one finished epoch, to resume from."""
    checkpoint = backup_dir / CHECKPOINT
    recover(checkpoint)
    if (checkpoint / "training_metadata.json").is_file():
        reason = _mismatch(backup_dir, identity) or _damage(checkpoint)
        if reason is None:
            return True
        aside = backup_dir.with_name(f"{backup_dir.name}.set-aside-{time.strftime('%Y%m%d-%H%M%S')}")
        backup_dir.rename(aside)
        log.warning("%s: starting afresh: the resume backup %s was set aside as %s because %s (delete it "
                    "when it is not needed).", identity.get("job", "training"), backup_dir, aside, reason)
    elif backup_dir.exists():
        shutil.rmtree(backup_dir)  # leftovers of a run that never finished an epoch
    backup_dir.mkdir(parents=True, exist_ok=True)
    (backup_dir / "job.json").write_text(json.dumps(identity, indent=1, default=str) + "\n")
    return False
