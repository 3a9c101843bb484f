"""auto-sklearn regression on CNN features, one FG-NET fold per job (thesis Table 5, Figure 12).

Runs in its own environment (auto-sklearn 0.15 needs numpy 1.x and scikit-learn 0.24; see
envs/autosklearn-venv.sh): this module imports nothing from TensorFlow, nor anything of agecascade
that does. It reads the features written by `agecascade.features` and the benchmark's split table.

Per fold: an `AutoSklearnRegressor` is fitted on the other subjects' faces (time budget, per-run
limit, memory limit, seed and jobs from the rule) and predicts the held-out subject's faces. The
job writes the predictions and a description of the final ensemble (models, weights, and how many
configurations were tried and how they ended).
"""

from __future__ import annotations

import json
import logging
import sys
import shutil
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from agecascade.data.folds import in_fold

from agecascade.outputs import write_text

log = logging.getLogger(__name__)


class RegressionInputError(ValueError):
    """Features or folds that cannot be regressed on; the message names the file."""


@dataclass
class AutoSklearnSettings:
    """auto-sklearn's budget (thesis: 12 h per task, 60 min per model) and resources.

    No defaults here: the workflow passes the config's `regression` values (their defaults are in
    the schema); `ensemble_nbest` is auto-sklearn's own default, not a config key.
    """

    time_left_for_this_task: int
    per_run_time_limit: int
    memory_limit_mb: int
    seed: int
    ensemble_nbest: int = 50


def load_features(path) -> tuple[np.ndarray, np.ndarray]:
    """(features, store row index) from a features file; refuses NaN or infinite values."""
    path = Path(path)
    try:
        with h5py.File(path, "r") as handle:
            features = handle["features"][()]
            index = handle["index"][()]
    except (OSError, KeyError) as error:
        raise RegressionInputError(f"{path}: not a features file ({error})") from error
    if features.ndim != 2 or len(features) != len(index):
        raise RegressionInputError(f"{path}: features {features.shape} do not match index {index.shape}")
    bad = ~np.isfinite(features)
    if bad.any():
        rows = np.unique(np.nonzero(bad)[0])
        raise RegressionInputError(
            f"{path}: {int(bad.sum())} NaN or infinite feature values in {len(rows)} faces "
            f"(store rows {rows[:10].tolist()}{' ...' if len(rows) > 10 else ''}); re-extract the features")
    return features, index


def fold_data(features: np.ndarray, index: np.ndarray, split: pd.DataFrame, fold: int, features_path="features"):
    """(X_train, y_train, X_test, test rows) of a fold: test = the fold's faces, train = every other."""
    position = pd.Series(np.arange(len(index)), index=index)
    missing = set(split["index"]) - set(index)
    if missing:
        raise RegressionInputError(f"{features_path}: {len(missing)} faces of the split have no features "
                                   f"(store rows {sorted(missing)[:10]}); features and split differ")
    test_mask = in_fold(split, fold)  # the one definition of a fold's test faces
    test, train = split[test_mask], split[~test_mask]
    if test.empty:
        raise RegressionInputError(f"{features_path}: fold {fold} has no test faces in the split")
    if train.empty:
        raise RegressionInputError(f"{features_path}: fold {fold} has no training rows (every face is in the fold)")
    x_train = features[position[train["index"]].to_numpy()]
    x_test = features[position[test["index"]].to_numpy()]
    return x_train, train["label"].to_numpy(dtype=float), x_test, test


def describe_ensemble(automl) -> dict:
    """Models and weights of the final ensemble, and how every tried configuration ended."""
    models = []
    for weight, pipeline in automl.get_models_with_weights():
        config = getattr(pipeline, "config", None)
        # when no configuration finished in the budget, auto-sklearn predicts with a dummy model
        # whose `config` is a number, not a Configuration
        settings = config.get_dictionary() if hasattr(config, "get_dictionary") else {}
        models.append({"weight": float(weight),
                       "regressor": settings.get("regressor:__choice__", f"fallback: {type(pipeline).__name__}"),
                       "config": settings})
    runs = automl.automl_.runhistory_.data
    statuses = Counter(value.status.name for value in runs.values())
    crashes = [str(value.additional_info.get("error", value.additional_info))[:500]
               for value in runs.values() if value.status.name == "CRASHED"]
    return {"models": models, "configurations_tried": len(runs), "run_status": dict(statuses),
            "crashed": statuses.get("CRASHED", 0), "crash_messages": crashes[:5],
            "statistics": automl.sprint_statistics()}


def excluded_components(n_rows: int, n_features: int) -> dict:
    """auto-sklearn components that cannot work on this data shape, with the reason.

    scikit-learn 0.24's FastICA without whitening fails when features outnumber rows ("shapes not
    aligned"), and auto-sklearn's wrapper swallows that error, so the configuration crashes later
    with "'FastICA' object has no attribute 'components_'". The flattened layer (100,352 features for
    ~990 FG-NET faces) and every demo fold (512 features, 90 faces) are in that case: FastICA is
    left out of the search there. Everything else is auto-sklearn's default, as in the thesis.
    """
    if n_features > n_rows:
        return {"feature_preprocessor": ["fast_ica"]}
    return {}


class TrialLog:
    """auto-sklearn's trials callback: a log line at most every 30 seconds with the configurations
    tried so far, the best validation score (R^2, auto-sklearn's regression metric) and the time
    spent, so a user tailing the log sees the search move."""

    def __init__(self, every: float = 30.0):
        import time

        self.every, self.tried, self.best_cost, self._last = every, 0, float("inf"), 0.0
        self.started = time.monotonic()

    def __call__(self, smbo, run_info, result, time_left):
        import time

        self.tried += 1
        cost = float(getattr(result, "cost", float("inf")))
        self.best_cost = min(self.best_cost, cost)
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            best = f"{1 - self.best_cost:.4f}" if np.isfinite(self.best_cost) else "none yet"
            # straight to stderr (the rule's log): auto-sklearn reconfigures Python logging while it runs
            print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} INFO agecascade.regression: auto-sklearn: {self.tried} "
                  f"configurations tried, best validation R2 {best}, {now - self.started:.0f} s in",
                  file=sys.stderr, flush=True)
        return None


def fit_predict(x_train, y_train, x_test, settings: AutoSklearnSettings, tmp_folder, n_jobs: int = 1):
    """Fit auto-sklearn on (x_train, y_train), predict x_test. Returns (predictions, ensemble description)."""
    from autosklearn.regression import AutoSklearnRegressor

    tmp_folder = Path(tmp_folder)
    if tmp_folder.exists():  # left by a killed run of this job; auto-sklearn refuses an existing folder
        shutil.rmtree(tmp_folder)
    tmp_folder.parent.mkdir(parents=True, exist_ok=True)
    exclude = excluded_components(*np.shape(x_train))
    automl = AutoSklearnRegressor(
        exclude=exclude or None,
        time_left_for_this_task=int(settings.time_left_for_this_task),
        per_run_time_limit=int(settings.per_run_time_limit),
        memory_limit=int(settings.memory_limit_mb),
        seed=int(settings.seed),
        ensemble_nbest=int(settings.ensemble_nbest),
        n_jobs=int(n_jobs),
        tmp_folder=str(tmp_folder),
        delete_tmp_folder_after_terminate=True,
        get_trials_callback=TrialLog(),
    )
    automl.fit(x_train, y_train, dataset_name="fgnet-features")
    predictions = automl.predict(x_test)
    description = {**describe_ensemble(automl), "excluded": exclude}
    shutil.rmtree(tmp_folder, ignore_errors=True)
    return np.asarray(predictions, dtype=float), description


def regress_fold(features_path, split_csv, fold: int, predictions_path, ensemble_path,
                 settings: AutoSklearnSettings | dict, tmp_folder, n_jobs: int = 1) -> dict:
    """One `regress_fold` job: fit on the other subjects, predict the fold's faces, write both files.

    Predictions table: index, source, subject, true, predicted (same columns the age metrics read).
    """
    if isinstance(settings, dict):
        settings = AutoSklearnSettings(**settings)
    features, index = load_features(features_path)
    split = pd.read_csv(split_csv)
    x_train, y_train, x_test, test = fold_data(features, index, split, fold, features_path)
    log.info("%s fold %s: %d training faces, %d test faces, %d features", features_path, fold,
             len(x_train), len(x_test), features.shape[1])
    predicted, description = fit_predict(x_train, y_train, x_test, settings, tmp_folder, n_jobs)
    table = pd.DataFrame({"index": test["index"].to_numpy(), "source": test["source"].to_numpy(),
                          "subject": test["subject"].to_numpy(), "true": test["label"].to_numpy(),
                          "predicted": predicted, "expected": predicted})
    Path(predictions_path).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(predictions_path, index=False)
    description.update({"fold": int(fold), "features": str(features_path), "settings": asdict(settings),
                        "n_jobs": int(n_jobs), "train_faces": int(len(x_train)), "test_faces": int(len(x_test))})
    write_text(ensemble_path, json.dumps(description, indent=2, default=str))
    log.info("fold %s: %d configurations tried, %d crashed; MAE %.2f", fold, description["configurations_tried"],
             description["crashed"], float(np.mean(np.abs(predicted - table["true"]))))
    return description
