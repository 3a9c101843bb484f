"""From a predicted age distribution to an age: the three decision rules in use.

* expected value, sum_i p_i * a_i: the thesis' rule (Rothe et al.);
* posterior median, the smallest age whose cumulative probability reaches one half: the
  Bayes-optimal answer for the mean absolute error, the unified benchmark's rule (Paplham & Franc,
  CVPR 2024);
* argmax, the most probable age: a classifier's rule.

`interval` gives the central interval holding a share of the probability (80 %: the ages at the
10 % and 90 % points of the cumulative distribution). Numpy only: the prediction tools, the
evaluation and the auto-sklearn environment can all use it.
"""

from __future__ import annotations

import numpy as np

RULES = ("expected", "median", "argmax")
INTERVAL_MASS = 0.8  # the interval `predict` and exported models give: the central 80 %


def expected(probabilities, values) -> np.ndarray:
    """sum_i p_i * value_i per row."""
    probabilities, values = np.asarray(probabilities, dtype=np.float64), np.asarray(values, dtype=np.float64)
    if probabilities.shape[-1] != values.shape[0]:
        raise ValueError(f"{probabilities.shape[-1]} probabilities per row for {values.shape[0]} label values.")
    return probabilities @ values


def quantile(probabilities, values, q: float) -> np.ndarray:
    """The smallest value whose cumulative probability reaches `q` (per row; `values` ascending)."""
    cumulative = np.cumsum(np.asarray(probabilities, dtype=float), axis=1)
    index = np.argmax(cumulative >= q - 1e-9, axis=1)  # sums can fall short of 1 by rounding
    return np.asarray(values, dtype=float)[index]


def median(probabilities, values) -> np.ndarray:
    return quantile(probabilities, values, 0.5)


def argmax(probabilities, values) -> np.ndarray:
    return np.asarray(values, dtype=float)[np.asarray(probabilities).argmax(axis=1)]


def interval_quantiles(mass: float = INTERVAL_MASS) -> tuple[float, float]:
    """The cumulative probabilities bounding the central `mass` (0.8 -> 0.1, 0.9)."""
    tail = (1.0 - mass) / 2
    return tail, 1.0 - tail


def interval(probabilities, values, mass: float = INTERVAL_MASS) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of the central interval holding `mass` of each row's probability."""
    low, high = interval_quantiles(mass)
    return quantile(probabilities, values, low), quantile(probabilities, values, high)


def decide(probabilities, values, rule: str) -> np.ndarray:
    """The ages `rule` (one of `RULES`) gives."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}. Received: rule={rule!r}")
    return {"expected": expected, "median": median, "argmax": argmax}[rule](probabilities, values)
