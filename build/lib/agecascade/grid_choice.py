"""The grid search's choice (thesis section 4): the grid point with the lowest mean validation
loss over its search sets. A point where any run diverged (NaN loss) is never chosen.

Defined once, here: `grid_choice` writes the table (best first) and `with_grid_choice` applies its
first row to a training's settings.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pandas as pd

log = logging.getLogger(__name__)


def rank_points(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (learning rate, batch size), best first: the mean validation loss over its
    search sets (NaN if any diverged, ranked last) and how many sets it saw."""
    grouped = table.groupby(["learning_rate", "batch_size"])["val_loss"]
    ranked = pd.DataFrame({"val_loss": grouped.apply(lambda v: v.mean(skipna=False)),
                           "folds": grouped.size()}).reset_index()
    return ranked.sort_values("val_loss", na_position="last", kind="stable").reset_index(drop=True)


def best_point(ranked: pd.DataFrame) -> tuple[float, int]:
    """(learning rate, batch size) of the best grid point of a ranked table.

    Raises:
        ValueError: every point diverged.
    """
    finite = ranked.dropna(subset=["val_loss"]).sort_values("val_loss", kind="stable")
    if finite.empty:
        raise ValueError("Every grid point diverged (validation loss NaN): nothing to choose.")
    return float(finite["learning_rate"].iloc[0]), int(finite["batch_size"].iloc[0])


def grid_choice(points, output) -> pd.DataFrame:
    """Rank the grid points (their CSVs, one row per search set) and write the ranking to `output`."""
    ranked = rank_points(pd.concat([pd.read_csv(p) for p in points], ignore_index=True))
    ranked.to_csv(output, index=False)
    if ranked["val_loss"].notna().any():
        log.info("grid search: best learning rate %s, batch size %s", *best_point(ranked))
    return ranked


def with_grid_choice(settings, choice_csv=None):
    """The settings with the learning rate and batch size the grid search chose (its ranking's
    best row), or unchanged without a ranking."""
    if choice_csv is None:
        return settings
    try:
        learning_rate, batch_size = best_point(pd.read_csv(choice_csv))
    except ValueError as error:
        raise ValueError(f"{choice_csv}: {error}") from None
    log.info("Grid search chose learning rate %s, batch size %s", learning_rate, batch_size)
    return replace(settings, learning_rate=learning_rate, batch_size=batch_size)
