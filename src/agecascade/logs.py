"""Sending a rule's stderr and Python logging to the rule's log file.

An error a job stops with is written whole (traceback included) to the rule's log, and as one
line, `agecascade: <what went wrong> (traceback: <log>)`, to the terminal Snakemake reports to, so
a user reads what to fix without opening the log.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path


def log_to(path: str | Path, level: int = logging.INFO) -> None:
    """Redirect stdout, stderr and the root logger to `path` (called first by every workflow script)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a", buffering=1)
    # file descriptors too: TensorFlow's C++ runtime writes to fd 2 directly
    sys.stdout.flush()
    sys.stderr.flush()
    terminal = os.fdopen(os.dup(2), "w", buffering=1)  # the job's own stderr, before redirection
    os.dup2(handle.fileno(), 1)
    os.dup2(handle.fileno(), 2)
    sys.stderr = handle
    sys.stdout = handle  # Keras prints its progress to stdout
    logging.basicConfig(
        stream=handle,
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )

    def report(kind, error, trace):
        traceback.print_exception(kind, error, trace, file=handle)
        message = " ".join(str(error).split()) or kind.__name__
        terminal.write(f"agecascade: {message} (traceback: {path})\n")
        terminal.flush()

    sys.excepthook = report
