"""Sending a rule's stderr and Python logging to the rule's log file."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path


def log_to(path: str | Path, level: int = logging.INFO) -> None:
    """Redirect stdout, stderr and the root logger to `path` (called first by every workflow script)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a", buffering=1)
    # file descriptors too: TensorFlow's C++ runtime writes to fd 2 directly
    sys.stdout.flush()
    sys.stderr.flush()
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
