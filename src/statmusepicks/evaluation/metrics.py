"""Scores for point predictions and probabilities. Pure functions over arrays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

EPS = 1e-12


def mae(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(predicted, float))))


def rmse(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(actual, float) - np.asarray(predicted, float)) ** 2)))


def brier(outcome: npt.ArrayLike, probability: npt.ArrayLike) -> float:
    """Mean squared error of a probability against a 0/1 outcome (0.25 for a coin)."""
    y = np.asarray(outcome, float)
    p = np.asarray(probability, float)
    return float(np.mean((p - y) ** 2))


def log_loss(outcome: npt.ArrayLike, probability: npt.ArrayLike) -> float:
    """Mean negative log likelihood of 0/1 outcomes (0.693 for a coin)."""
    y = np.asarray(outcome, float)
    p = np.clip(np.asarray(probability, float), 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def reliability_table(
    outcome: npt.ArrayLike, probability: npt.ArrayLike, bins: int = 10
) -> pd.DataFrame:
    """Per equal-width bin: count, mean forecast and observed frequency."""
    y = np.asarray(outcome, float)
    p = np.asarray(probability, float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    frame = pd.DataFrame({"bin": index, "p": p, "y": y})
    grouped = frame.groupby("bin").agg(
        count=("y", "size"), forecast=("p", "mean"), observed=("y", "mean")
    )
    grouped = grouped.reindex(range(bins))
    grouped["count"] = grouped["count"].fillna(0).astype(int)
    grouped["lower"] = edges[:-1]
    grouped["upper"] = edges[1:]
    return grouped.reset_index()


def expected_calibration_error(
    outcome: npt.ArrayLike, probability: npt.ArrayLike, bins: int = 10
) -> float:
    """ECE: bin-weighted mean |forecast - observed| over equal-width bins."""
    table = reliability_table(outcome, probability, bins)
    filled = table[table["count"] > 0]
    if filled.empty:
        return float("nan")
    weights = filled["count"] / filled["count"].sum()
    return float(np.sum(weights * np.abs(filled["forecast"] - filled["observed"])))


def probability_scores(outcome: npt.ArrayLike, probability: npt.ArrayLike) -> dict[str, float]:
    """Brier, log loss and ECE together, with the row count."""
    y = np.asarray(outcome, float)
    return {
        "n": int(y.size),
        "brier": brier(y, probability),
        "log_loss": log_loss(y, probability),
        "ece": expected_calibration_error(y, probability),
    }


def pit_values(
    cdf_below: npt.ArrayLike, cdf_at: npt.ArrayLike, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Randomised PIT for discrete outcomes (uniform in [F(y-1), F(y)]); flat means calibrated."""
    lo = np.asarray(cdf_below, float)
    hi = np.asarray(cdf_at, float)
    return lo + rng.random(lo.shape) * (hi - lo)
