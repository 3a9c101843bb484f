"""Table 5's `flat` row at the thesis' size: the feature file and one auto-sklearn fold on it.

VGG16's `conv5_3` at 224 px, flattened: 14 x 14 x 512 = 100,352 features per face, for FG-NET's
1,002 faces. Writes a features file of that shape (float32, the layout `extract_features` writes,
random values with an age signal in a few columns), then runs one `regress_fold` job (the
function the rule runs: leave subject 1 out) and prints the file's size, the write time, the fold's
wall time and the peak memory (this process and its auto-sklearn workers).

Run with the auto-sklearn environment's interpreter:
    .venv-autosklearn/bin/python benchmarks/flat_features.py [--budget 120] [--per-run 60]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

# the auto-sklearn venv has no agecascade installed: import it as the jobs do, through the link
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow_scripts"))

from agecascade.regression import regress_fold  # noqa: E402

FACES, SUBJECTS, FEATURES = 1_002, 82, 14 * 14 * 512


def write_features(folder: Path, seed: int = 0) -> tuple[Path, Path, float]:
    """(features file, split table, seconds to write) of FG-NET-sized flat features."""
    rng = np.random.default_rng(seed)
    subjects = np.repeat(np.arange(1, SUBJECTS + 1), 13)[:FACES]
    ages = np.clip(rng.gamma(2.0, 9.0, size=FACES), 0, 69).round()
    started = time.perf_counter()
    with h5py.File(folder / "flat.h5", "w") as out:
        features = out.create_dataset("features", shape=(FACES, FEATURES), dtype="float32", chunks=(64, FEATURES))
        for first in range(0, FACES, 64):  # as extract_features streams it, batch by batch
            rows = min(64, FACES - first)
            block = rng.gamma(1.0, 1.0, size=(rows, FEATURES)).astype(np.float32)
            block[:, :8] += ages[first:first + rows, None] / 20
            features[first:first + rows] = block
        out.create_dataset("index", data=np.arange(FACES, dtype=np.int64))
    seconds = time.perf_counter() - started
    pd.DataFrame({"index": np.arange(FACES), "source": [f"{i:04d}.jpg" for i in range(FACES)], "subject": subjects,
                  "label": ages, "fold": subjects}).to_csv(
        folder / "split.csv", index=False)
    return folder / "flat.h5", folder / "split.csv", seconds


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=120, help="time_left_for_this_task (s)")
    parser.add_argument("--per-run", type=int, default=60, help="per_run_time_limit (s)")
    parser.add_argument("--memory", type=int, default=8000, help="auto-sklearn's memory_limit (MB; paper: 8000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        features, split, write_s = write_features(Path(tmp))
        size_mb = features.stat().st_size / 2**20
        after_write = peak_mb()
        settings = {"time_left_for_this_task": args.budget, "per_run_time_limit": args.per_run,
                    "memory_limit_mb": args.memory, "seed": 1}
        started = time.perf_counter()
        summary = regress_fold(features, split, 1, Path(tmp) / "fold1.csv", Path(tmp) / "fold1.json", settings,
                               Path(tmp) / "run", n_jobs=1)
        print(json.dumps({"features": FEATURES, "faces": FACES, "file_mb": round(size_mb, 1),
                          "write_s": round(write_s, 1), "peak_mb_after_write": round(after_write),
                          "fold_wall_s": round(time.perf_counter() - started, 1), "budget_s": args.budget,
                          "peak_mb": round(peak_mb()), "summary": summary}, indent=2, default=str))


if __name__ == "__main__":
    main()
