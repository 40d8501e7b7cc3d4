"""Scores for point predictions and probabilities. Pure functions over arrays.

The textbook scores come from sklearn.metrics; what sklearn lacks (the reliability table, ECE
and randomised PIT) is defined here. Each score is NaN, as a plain mean would be, when there is
no row to score or a value is missing: sklearn refuses such input, and the reports show a gap.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn import metrics as sk

# A forecast of exactly 0 or 1 that is wrong would cost an infinite log loss; 1e-6 caps it at
# 13.8 nats, so one overconfident line cannot swamp a season of them.
LOG_LOSS_CLIP = 1e-6
BINARY = [0, 1]
# The two-sided 95 % normal quantile.
Z95 = 1.959964


def mae(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Mean absolute error."""
    y, yhat = _scorable(actual, predicted)
    return float(sk.mean_absolute_error(y, yhat)) if y.size else float("nan")


def rmse(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Root mean squared error."""
    y, yhat = _scorable(actual, predicted)
    return float(sk.root_mean_squared_error(y, yhat)) if y.size else float("nan")


def brier(outcome: npt.ArrayLike, probability: npt.ArrayLike) -> float:
    """Mean squared error of a probability against a 0/1 outcome (0.25 for a coin)."""
    y, p = _scorable(outcome, probability)
    return float(sk.brier_score_loss(y, p, labels=BINARY)) if y.size else float("nan")


def log_loss(outcome: npt.ArrayLike, probability: npt.ArrayLike) -> float:
    """Mean negative log likelihood of 0/1 outcomes (0.693 for a coin)."""
    y, p = _scorable(outcome, probability)
    if not y.size:
        return float("nan")
    clipped = np.clip(p, LOG_LOSS_CLIP, 1 - LOG_LOSS_CLIP)
    return float(sk.log_loss(y, clipped, labels=BINARY))


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


def wilson_interval(hits: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a hit rate (None without trials): unlike p ± z·se it stays
    inside [0, 1] and keeps its coverage for the small samples of a day's bets."""
    if n == 0:
        return None
    p = hits / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n * n)) / denom
    return float(centre - half), float(centre + half)


def pit_values(
    cdf_below: npt.ArrayLike, cdf_at: npt.ArrayLike, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Randomised PIT for discrete outcomes (uniform in [F(y-1), F(y)]); flat means calibrated."""
    lo = np.asarray(cdf_below, float)
    hi = np.asarray(cdf_at, float)
    return lo + rng.random(lo.shape) * (hi - lo)


def _scorable(
    truth: npt.ArrayLike, estimate: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Both arrays as floats, or two empty arrays when a value is missing (the score is NaN)."""
    y = np.asarray(truth, float)
    yhat = np.asarray(estimate, float)
    if not (np.isfinite(y).all() and np.isfinite(yhat).all()):
        return np.empty(0), np.empty(0)
    return y, yhat
