"""Run by the auto-sklearn environment's interpreter (a shell rule), so it takes arguments."""

import argparse
import json

# `python workflow_scripts/regress_fold.py` puts this folder, with its agecascade link, on sys.path
from agecascade.logs import log_to

parser = argparse.ArgumentParser()
for name in ("features", "split", "fold", "predictions", "ensemble", "settings", "tmp", "jobs", "log"):
    parser.add_argument(f"--{name}", required=True)
args = parser.parse_args()
log_to(args.log)

from agecascade.regression import regress_fold  # noqa: E402

regress_fold(args.features, args.split, int(args.fold), args.predictions, args.ensemble,
             json.loads(args.settings), args.tmp, n_jobs=int(args.jobs))
