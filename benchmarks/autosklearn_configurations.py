"""How many configurations auto-sklearn tries in a budget, and whether any of them crashes.

Run with the auto-sklearn environment's interpreter:
    .venv-autosklearn/bin/python benchmarks/autosklearn_configurations.py [--budget 150] [--features FILE]

Without --features, uses FG-NET-sized synthetic features (1,002 faces of 82 subjects, 512 values,
an age signal in a few of them) and fold 1 of leave one person out. Prints the run statuses
(SUCCESS, CRASHED, TIMEOUT, MEMOUT, ...), the crash messages if any, and the fold's MAE.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# the auto-sklearn venv has no agecascade installed: import it as the jobs do, through the link
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow_scripts"))

from agecascade.regression import AutoSklearnSettings, fit_predict, load_features  # noqa: E402


def synthetic(seed: int = 0):
    rng = np.random.default_rng(seed)
    subjects = np.repeat(np.arange(1, 83), 12)[:1002]
    ages = np.clip(rng.gamma(2.0, 9.0, size=len(subjects)), 0, 69).round()
    features = rng.gamma(1.0, 1.0, size=(len(subjects), 512))
    features[:, :8] += ages[:, None] / 20 + rng.normal(0, 0.5, size=(len(subjects), 8))
    return features.astype(np.float32), ages, subjects


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=150, help="time_left_for_this_task (s)")
    parser.add_argument("--per-run", type=int, default=15, help="per_run_time_limit (s)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--features", help="a features file (with --split), else synthetic")
    parser.add_argument("--split")
    args = parser.parse_args()
    if args.features:
        import pandas as pd

        features, index = load_features(args.features)
        split = pd.read_csv(args.split).set_index("index").loc[index]
        ages, subjects = split["label"].to_numpy(float), split["fold"].to_numpy()
    else:
        features, ages, subjects = synthetic()
    test = subjects == subjects[0]
    settings = AutoSklearnSettings(time_left_for_this_task=args.budget, per_run_time_limit=args.per_run,
                                   memory_limit_mb=3000, seed=1)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        predicted, description = fit_predict(features[~test], ages[~test], features[test], settings,
                                             Path(tmp) / "run", n_jobs=args.jobs)
    print(json.dumps({
        "budget_s": args.budget, "wall_s": round(time.perf_counter() - start, 1),
        "train_faces": int((~test).sum()), "features": int(features.shape[1]),
        "configurations_tried": description["configurations_tried"], "run_status": description["run_status"],
        "crashed": description["crashed"], "crash_messages": description["crash_messages"],
        "ensemble_models": len(description["models"]),
        "fold_mae": round(float(np.abs(predicted - ages[test]).mean()), 2),
    }, indent=2))


if __name__ == "__main__":
    main()
