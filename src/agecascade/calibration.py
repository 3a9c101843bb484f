"""How far a predicted age distribution can be trusted: coverage and width of its central
intervals, the negative log-likelihood of the true age, the expected calibration error of a group
model, temperature scaling fitted on held-out faces, and bootstrap intervals of an error.

The interval is `agecascade.decision.interval`, the one `predict` gives. Temperature scaling
divides a model's logits by one number T (Guo et al., ICML 2017); from the probabilities a model
writes, softmax(log p / T) is the same distribution. It changes only the uncertainty (intervals,
probabilities, coverage); the argmax stays, and the thesis' point estimates are computed from the
model's own probabilities. Numpy and SciPy only.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from agecascade import decision

MASSES = (0.5, 0.8, 0.9)  # the central intervals whose coverage every evaluation reports
ECE_BINS = 15
BOOTSTRAP_RESAMPLES = 1000
TEMPERATURE_RANGE = (0.05, 20.0)


def temper(probabilities, temperature: float) -> np.ndarray:
    """softmax(log p / T) per row: the distribution at temperature T (T = 1: unchanged)."""
    p = np.asarray(probabilities, dtype=np.float64)
    if temperature == 1.0:
        return p
    with np.errstate(divide="ignore"):
        z = np.log(p) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def class_index(values, ages) -> np.ndarray:
    """The class of each true age: the label value nearest to it (an age outside the label space
    counts as its nearest class)."""
    values = np.asarray(values, dtype=np.float64)
    return np.abs(np.asarray(ages, dtype=np.float64)[:, None] - values[None, :]).argmin(axis=1)


def coverage(probabilities, values, ages, mass: float) -> float:
    """The share of faces whose true age lies in the central `mass` interval of its distribution."""
    low, high = decision.interval(probabilities, values, mass)
    ages = np.asarray(ages, dtype=np.float64)
    return float(np.mean((low <= ages) & (ages <= high)))


def width(probabilities, values, mass: float) -> float:
    """The mean width in years of the central `mass` interval."""
    low, high = decision.interval(probabilities, values, mass)
    return float(np.mean(high - low))


def nll(probabilities, classes) -> float:
    """The mean negative log-likelihood of the true classes (infinite where one has probability 0)."""
    p = np.asarray(probabilities, dtype=np.float64)[np.arange(len(classes)), np.asarray(classes)]
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(p)))


def ece(probabilities, classes, bins: int = ECE_BINS) -> float:
    """Expected calibration error of the top class: over `bins` equal-width confidence bins, the
    share-weighted gap between mean confidence and accuracy."""
    p = np.asarray(probabilities, dtype=np.float64)
    confidence, correct = p.max(axis=1), (p.argmax(axis=1) == np.asarray(classes)).astype(float)
    which = np.minimum((confidence * bins).astype(int), bins - 1)  # bin i: [i/bins, (i+1)/bins)
    gap = sum(abs(confidence[which == b].mean() - correct[which == b].mean()) * np.mean(which == b)
              for b in range(bins) if np.any(which == b))
    return float(gap)


def fit_temperature(probabilities, classes) -> float:
    """The temperature that minimises the mean negative log-likelihood of the true classes
    (searched on log T within `TEMPERATURE_RANGE`)."""
    p = np.asarray(probabilities, dtype=np.float64)
    classes = np.asarray(classes)
    if len(classes) == 0:
        raise ValueError("fitting a temperature needs held-out faces; received none.")

    def loss(log_t: float) -> float:
        value = nll(temper(p, float(np.exp(log_t))), classes)
        return value if np.isfinite(value) else 1e300

    low, high = np.log(TEMPERATURE_RANGE)
    return float(np.exp(minimize_scalar(loss, bounds=(low, high), method="bounded",
                                        options={"xatol": 1e-4}).x))


def interval_metrics(probabilities, values, ages, temperature: float = 1.0) -> dict:
    """`coverage_50`, `coverage_80`, `coverage_90`, `width_80` and `nll` at `temperature`, and the
    same of the model's own distribution, named `..._uncalibrated`."""
    classes = class_index(values, ages)
    metrics = {}
    for suffix, t in (("", temperature), ("_uncalibrated", 1.0)):
        p = temper(probabilities, t)
        metrics.update({f"coverage_{round(100 * m)}{suffix}": coverage(p, values, ages, m) for m in MASSES})
        metrics[f"width_80{suffix}"] = width(p, values, 0.8)
        metrics[f"nll{suffix}"] = nll(p, classes)
    return metrics


def bootstrap_interval(errors, groups=None, seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES,
                       level: float = 0.95) -> tuple[float, float]:
    """A percentile bootstrap interval of the mean of `errors`: faces resampled with replacement,
    or, with `groups` (a subject per face), whole subjects resampled (their faces are not
    independent). Fixed seed."""
    errors = np.asarray(errors, dtype=np.float64)
    rng = np.random.default_rng(seed)
    if groups is None:
        means = errors[rng.integers(0, len(errors), size=(resamples, len(errors)))].mean(axis=1)
    else:
        names, inverse = np.unique(np.asarray(groups).astype(str), return_inverse=True)
        sums = np.bincount(inverse, weights=errors, minlength=len(names))
        counts = np.bincount(inverse, minlength=len(names))
        chosen = rng.integers(0, len(names), size=(resamples, len(names)))
        means = sums[chosen].sum(axis=1) / counts[chosen].sum(axis=1)
    tail = 100 * (1 - level) / 2
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))
