"""Writing outputs so that a full disk, a kill or a second writer never leaves a wrong file.

* Files that only make sense whole (JSON, pictures, models) are written under a temporary name in
  the same folder and renamed (`atomic_path`, `write_text`): a reader sees the old file or the new
  one, never half of one; a failed write removes the temporary file.
* A table that streams rows (`RowWriter`, predict's CSV) is created exclusively (a second writer
  is refused), keeps every whole row written so far, and is cut back to its last whole row when a
  write fails.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

import pandas as pd


class OutputWriteError(OSError):
    """An output could not be written (a full disk, a vanished folder); what was whole is kept."""


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path beside `path` (same suffix) to write to; renamed to `path` when the block
    ends without an error, removed when it fails."""
    path = Path(path)
    # a name of its own (two writers of one path never share a temporary file), the same suffix
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".partial{path.suffix}")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def claimed(path, replace: bool = False):
    """Claim `path` for a file written whole at the end of a run (`write_text` inside the block):
    it is created, empty, exclusively now, so a second run writing the same path is refused at its
    start (FileExistsError), as `RowWriter` refuses one; the claim is removed if the block fails.

    Args:
        replace: remove an existing file first (`--force`: no other run writes it).
    """
    path = Path(path)
    if replace:
        path.unlink(missing_ok=True)
    try:
        with open(path, "x"):
            pass
    except FileExistsError as error:
        raise FileExistsError(f"{path} exists (another run writing it?): use another -o, or --force when no "
                              "other run writes it.") from error
    try:
        yield path
    except BaseException:
        if path.is_file() and path.stat().st_size == 0:  # only the claim: a whole file is never removed
            path.unlink()
        raise


def write_bytes(path, data) -> None:
    """Write `data` to a new file at `path`, checking that every byte landed: a short write (a full
    disk that an encoder would not notice) raises OutputWriteError."""
    view = memoryview(data).cast("B")
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        done = 0
        while done < len(view):
            wrote = os.write(handle, view[done:])
            if wrote <= 0:
                raise OutputWriteError(errno.ENOSPC, f"{path}: {done} of {len(view)} bytes written (disk full?)")
            done += wrote
        if os.fstat(handle).st_size != len(view):
            raise OutputWriteError(errno.EIO, f"{path}: {os.fstat(handle).st_size} of {len(view)} bytes on disk")
    finally:
        os.close(handle)


def write_text(path, text: str) -> None:
    """Write a whole text file atomically (`atomic_path`)."""
    with atomic_path(path) as temporary:
        Path(temporary).write_text(text)


class RowWriter:
    """A CSV written batch by batch: created exclusively, flushed after each batch, cut back to the
    last whole batch when a write fails (then `OutputWriteError`)."""

    def __init__(self, path, replace: bool = False):
        self.path = Path(path)
        if replace:
            self.path.unlink(missing_ok=True)
        try:
            self.handle = open(self.path, "x", newline="")
        except FileExistsError as error:
            raise FileExistsError(f"{self.path} exists (another run writing it?): use another -o, or --force "
                                  "when no other run writes it.") from error
        self.faces = 0
        self.whole = 0  # bytes of whole rows

    def write(self, table: pd.DataFrame) -> None:
        text = table.to_csv(index=False, header=self.faces == 0)
        try:
            self.handle.write(text)
            self.handle.flush()
        except OSError as error:
            self._cut_back()
            reason = "the disk is full" if error.errno == errno.ENOSPC else str(error)
            raise OutputWriteError(error.errno, f"{self.path}: {reason}; it holds the {self.faces} whole rows "
                                                "written before") from error
        self.whole += len(text.encode())
        self.faces += len(table)

    def _cut_back(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(OSError), open(self.path, "r+b") as handle:
            handle.truncate(self.whole)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()


def write_table(table: pd.DataFrame, stem: Path, index: bool = False) -> list[Path]:
    """Write a table as CSV and Markdown (`stem`.csv, `stem`.md; empty cells, not "nan"); `index`:
    with its index (a confusion matrix, rows are true ages). Returns both paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(stem.with_suffix(".csv"), index=index)
    shown = table.astype(object).where(table.notna(), None)  # empty cells, not "nan"
    markdown = shown.to_markdown(index=index, floatfmt=".2f", missingval="")
    stem.with_suffix(".md").write_text(markdown + "\n")
    return [stem.with_suffix(".csv"), stem.with_suffix(".md")]
