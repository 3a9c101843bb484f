"""Run by the auto-sklearn environment's interpreter (a shell rule), so it takes arguments."""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the agecascade link beside this file

from agecascade.logs import log_to  # noqa: E402

parser = argparse.ArgumentParser()
for name in ("features", "split", "fold", "predictions", "ensemble", "settings", "tmp", "jobs", "log"):
    parser.add_argument(f"--{name}", required=True)
args = parser.parse_args()
log_to(args.log)

from agecascade.regression import regress_fold  # noqa: E402

regress_fold(args.features, args.split, int(args.fold), args.predictions, args.ensemble,
             json.loads(args.settings), args.tmp, n_jobs=int(args.jobs))
