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

from agecascade.redaction import RedactingFilter, redact


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
    for log_handler in logging.getLogger().handlers:
        log_handler.addFilter(RedactingFilter())

    def report(error_type, error, trace):
        handle.write(redact("".join(traceback.format_exception(error_type, error, trace))))
        message = redact(" ".join(str(error).split())) or error_type.__name__
        terminal.write(f"agecascade: {message} (traceback: {path})\n")
        terminal.flush()

    sys.excepthook = report


class Progress:
    """Progress lines for a long job's log: at most one every `every` seconds (plus the last one),
    never carriage-return bars, so `tail -f` on a log tells a stuck job from a slow one.

    Args:
        what: what is counted ("pictures", "MB").
        total: how many there are (None if unknown).
        label: the line's prefix ("prepare imdb").
        every: seconds between lines.
        log: the logger to write to.
    """

    def __init__(self, what: str, total: float | None, label: str, every: float = 30.0, log=None):
        import time

        self._clock = time.monotonic
        self.what, self.total, self.label, self.every = what, total, label, every
        self.log = log or logging.getLogger("agecascade.progress")
        self.started = self._last = self._clock()
        self.done = 0.0

    def line(self, extra: str = "", now: float | None = None) -> str:
        elapsed = max((self._clock() if now is None else now) - self.started, 1e-9)
        rate = self.done / elapsed
        text = f"{self.label}: {self.done:,.0f}"
        if self.total:
            text += f" / {self.total:,.0f} {self.what} ({100 * self.done / self.total:.1f} %)"
            if rate > 0 and self.done < self.total:
                text += f", ETA {_duration((self.total - self.done) / rate)}"
        else:
            text += f" {self.what}"
        text += f", {rate:,.1f} {self.what}/s"
        return text + (f", {extra}" if extra else "")

    def update(self, n: float = 1, extra: str = "", final: bool = False) -> None:
        """Count `n` more; write a line if `every` seconds passed since the last (or `final`)."""
        self.done += n
        now = self._clock()
        if final or now - self._last >= self.every:
            self._last = now
            self.log.info(self.line(extra, now))


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
