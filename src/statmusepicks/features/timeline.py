"""As-of lookups and window reductions shared by every feature.

A `Timeline` holds the games of many entities (players, teams, player-opponent pairs) sorted by
entity then date. For each target it finds the entity's last game strictly before the target date,
and gathers the values of the games before that one into a lag matrix (column 0 = most recent
game). Each target's numbers depend only on its own row of that matrix and are reduced column by
column in a fixed order, so computing one player or all players gives bit-identical results: the
training/serving parity test relies on this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Days since 1970 fit in 17 bits until the year 2328; the entity id takes the remaining bits.
_DAY_BITS = 17


def day_numbers(dates: pd.Series | pd.Index) -> np.ndarray:
    """Calendar dates (date objects, strings or timestamps) as integer days since 1970-01-01."""
    values = pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[D]")
    return values.astype(np.int64)


@dataclass(frozen=True)
class Timeline:
    """Games sorted by (entity, day); `position` counts earlier games of the same entity."""

    entity: np.ndarray
    day: np.ndarray
    position: np.ndarray

    @classmethod
    def from_sorted(cls, entity: np.ndarray, day: np.ndarray) -> Timeline:
        """A timeline over arrays already sorted by entity then day."""
        entity = np.asarray(entity, dtype=np.int64)
        day = np.asarray(day, dtype=np.int64)
        starts = np.r_[True, entity[1:] != entity[:-1]] if len(entity) else np.array([], bool)
        index = np.arange(len(entity))
        group_start = np.maximum.accumulate(np.where(starts, index, 0)) if len(entity) else index
        return cls(entity, day, index - group_start)

    @property
    def keys(self) -> np.ndarray:
        return (self.entity << _DAY_BITS) + self.day

    def previous(self, entity: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Index of each target's last game strictly before `day` (-1 when there is none)."""
        entity = np.asarray(entity, dtype=np.int64)
        targets = (entity << _DAY_BITS) + np.asarray(day, dtype=np.int64)
        index = np.searchsorted(self.keys, targets, side="left") - 1
        found = index >= 0
        found[found] = self.entity[index[found]] == entity[found]
        return np.where(found, index, -1)

    def last(self, entity: np.ndarray) -> np.ndarray:
        """Index of each entity's most recent game (-1 when it has none)."""
        entity = np.asarray(entity, dtype=np.int64)
        return self.previous(entity, np.full(len(entity), (1 << _DAY_BITS) - 1))

    def locate(self, entity: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Index of the entity's game on exactly `day` (-1 when it has none)."""
        entity = np.asarray(entity, dtype=np.int64)
        targets = (entity << _DAY_BITS) + np.asarray(day, dtype=np.int64)
        keys = self.keys
        index = np.minimum(np.searchsorted(keys, targets, side="left"), max(len(keys) - 1, 0))
        found = (index < len(keys)) & (keys[index] == targets) if len(keys) else index < 0
        return np.where(found, index, -1)

    def count_before(self, entity: np.ndarray, day: np.ndarray) -> np.ndarray:
        """How many games each target's entity played strictly before `day`."""
        previous = self.previous(entity, day)
        if not len(self.entity):
            return np.zeros(len(previous), dtype=np.int64)
        return np.where(previous >= 0, self.position[np.maximum(previous, 0)] + 1, 0)

    def lags(self, values: np.ndarray, previous: np.ndarray, depth: int) -> np.ndarray:
        """The `depth` most recent values up to `previous` (newest first, NaN when too few).

        Column-major, so that the column-by-column reductions below read contiguous memory.
        """
        out = np.full((depth, len(previous)), np.nan)
        if not len(self.entity):
            return out.T
        values = np.asarray(values, dtype=float)
        found = previous >= 0
        rows = np.maximum(previous, 0)
        available = np.where(found, self.position[rows] + 1, 0)
        for lag in range(depth):
            present = available > lag
            out[lag] = np.where(present, values[np.maximum(rows - lag, 0)], np.nan)
        return out.T

    def state(self, values: np.ndarray, previous: np.ndarray) -> np.ndarray:
        """Per-game running values (e.g. cumulative sums) as of each target's previous game."""
        values = np.asarray(values, dtype=float)
        if not len(values):
            return np.full(len(previous), np.nan)
        return np.where(previous >= 0, values[np.maximum(previous, 0)], np.nan)

    def label(self, labels: np.ndarray, previous: np.ndarray, missing: object = None) -> np.ndarray:
        """Non-numeric per-game values (season labels, venues) as of each target's previous game."""
        out = np.full(len(previous), missing, dtype=object)
        found = previous >= 0
        out[found] = np.asarray(labels, dtype=object)[previous[found]]
        return out


def window_count(lags: np.ndarray) -> np.ndarray:
    """Number of games present in each window."""
    count = np.zeros(lags.shape[0])
    for column in range(lags.shape[1]):
        count += ~np.isnan(lags[:, column])
    return count


def window_sum(lags: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Sum over each window (NaN counted as 0), accumulated column by column."""
    total = np.zeros(lags.shape[0])
    for column in range(lags.shape[1]):
        values = lags[:, column] if weights is None else lags[:, column] * weights[column]
        total += np.where(np.isnan(values), 0.0, values)
    return total


def window_mean(lags: np.ndarray) -> np.ndarray:
    """Mean over the games present (NaN for an empty window)."""
    count = window_count(lags)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, window_sum(lags) / count, np.nan)


def window_weighted_mean(lags: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean over the games present, weights renormalised over those games."""
    total = np.zeros(lags.shape[0])
    norm = np.zeros(lags.shape[0])
    for column in range(lags.shape[1]):
        values = lags[:, column]
        present = ~np.isnan(values)
        total += np.where(present, values * weights[column], 0.0)
        norm += np.where(present, weights[column], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, total / norm, np.nan)


def window_std(lags: np.ndarray) -> np.ndarray:
    """Sample standard deviation (ddof 1; NaN with fewer than two games)."""
    count = window_count(lags)
    mean = window_mean(lags)
    squared = np.zeros(lags.shape[0])
    for column in range(lags.shape[1]):
        deviation = lags[:, column] - mean
        squared += np.where(np.isnan(deviation), 0.0, deviation * deviation)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 1, np.sqrt(squared / (count - 1)), np.nan)


def window_slope(lags: np.ndarray) -> np.ndarray:
    """Least-squares slope per game over the window (positive = rising; NaN under two games)."""
    depth = lags.shape[1]
    count = window_count(lags)
    # Column k is k games ago, so its time coordinate is -k.
    time_sum = np.zeros(lags.shape[0])
    for column in range(depth):
        time_sum += np.where(np.isnan(lags[:, column]), 0.0, -float(column))
    with np.errstate(invalid="ignore", divide="ignore"):
        time_mean = time_sum / count
    value_mean = window_mean(lags)
    covariance = np.zeros(lags.shape[0])
    variance = np.zeros(lags.shape[0])
    for column in range(depth):
        values = lags[:, column]
        present = ~np.isnan(values)
        centred = -float(column) - time_mean
        covariance += np.where(present, centred * (values - value_mean), 0.0)
        variance += np.where(present, centred * centred, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 1, covariance / variance, np.nan)


def window_min(lags: np.ndarray) -> np.ndarray:
    return _all_nan_safe(np.fmin.reduce, lags)


def window_max(lags: np.ndarray) -> np.ndarray:
    return _all_nan_safe(np.fmax.reduce, lags)


def window_median(lags: np.ndarray) -> np.ndarray:
    """Median of the games present (NaN for an empty window)."""
    ordered = np.sort(lags, axis=1)  # NaN sorts last
    count = window_count(lags).astype(int)
    rows = np.arange(len(lags))
    low = ordered[rows, np.maximum((count - 1) // 2, 0)]
    high = ordered[rows, np.maximum(count // 2, 0)]
    return np.where(count > 0, (low + high) / 2, np.nan)


def _all_nan_safe(reduce: object, lags: np.ndarray) -> np.ndarray:
    result = reduce(lags, axis=1) if lags.shape[0] else np.zeros(0)  # type: ignore[operator]
    return np.asarray(result, dtype=float)
