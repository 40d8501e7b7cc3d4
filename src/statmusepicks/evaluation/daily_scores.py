"""Scores of one day of graded predictions, and of a window of such days. Pure functions.

A day's scores carry the sums behind their means (squared errors, log losses, per-bin forecast
and outcome totals, stakes, profits), so a trailing window combines stored days exactly: the
window's ECE is the ECE of all its predictions pooled, not an average of daily ECEs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from statmusepicks.evaluation.metrics import (
    brier,
    expected_calibration_error,
    log_loss,
    reliability_table,
    wilson_interval,
)

BETS = ("OVER", "UNDER")
SETTLED = ("over", "under")
RELIABILITY_BINS = 10
# Columns `day_scores` reads: P(over) given no push, the grade, the bet and its profit, the
# bet's closing-line value (NaN when unknown) and the de-vigged market's P(over) (NaN when no
# line was stored at serving time).
DAY_COLUMNS = ("p_over", "result", "recommendation", "profit", "clv", "p_market")


def _mean_or_none(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def reliability_sums(outcome: np.ndarray, probability: np.ndarray) -> list[list[float]]:
    """Per equal-width bin: [count, sum of forecasts, sum of outcomes] (sums add across days)."""
    table = reliability_table(outcome, probability, RELIABILITY_BINS)
    counts = table["count"].to_numpy(dtype=float)
    forecast = table["forecast"].fillna(0.0).to_numpy(dtype=float) * counts
    observed = table["observed"].fillna(0.0).to_numpy(dtype=float) * counts
    return np.column_stack([counts, forecast, observed]).tolist()  # type: ignore[no-any-return]


def ece_from_sums(bins: Iterable[Iterable[float]]) -> float | None:
    """ECE from pooled bin sums: sum of |sum(forecast) - sum(outcome)| / N over the filled bins."""
    table = np.asarray([list(b) for b in bins], dtype=float).reshape(-1, 3)
    total = table[:, 0].sum()
    if total == 0:
        return None
    return float(np.abs(table[:, 1] - table[:, 2]).sum() / total)


def day_scores(frame: pd.DataFrame) -> dict[str, Any]:
    """Counts, Brier, log loss, ECE, hit rate with its Wilson interval, ROI at the taken
    prices, mean CLV and the market's Brier on the same props, for one group of predictions."""
    graded = frame[frame["result"].notna()]
    settled = graded[graded["result"].isin(SETTLED)]
    outcome = (settled["result"] == "over").to_numpy(dtype=float)
    p_over = settled["p_over"].to_numpy(dtype=float)
    bets = graded[graded["recommendation"].isin(BETS) & graded["result"].isin((*SETTLED, "push"))]
    decided = bets[bets["result"] != "push"]
    wins = int((decided["result"].str.upper() == decided["recommendation"]).sum())
    interval = wilson_interval(wins, len(decided))
    profit = float(bets["profit"].fillna(0.0).sum())
    clv = pd.to_numeric(bets["clv"], errors="coerce").dropna()
    matched = settled[pd.to_numeric(settled["p_market"], errors="coerce").notna()]
    matched_outcome = (matched["result"] == "over").to_numpy(dtype=float)
    return {
        "predictions": len(frame),
        "graded": len(graded),
        "settled": len(settled),
        "brier": _mean_or_none(brier(outcome, p_over)),
        "log_loss": _mean_or_none(log_loss(outcome, p_over)),
        "ece": _mean_or_none(expected_calibration_error(outcome, p_over)),
        "reliability": reliability_sums(outcome, p_over),
        "bets": len(bets),
        "wins": wins,
        "losses": len(decided) - wins,
        "hit_rate": wins / len(decided) if len(decided) else None,
        "hit_rate_low": None if interval is None else interval[0],
        "hit_rate_high": None if interval is None else interval[1],
        "profit": profit,
        "roi": profit / len(bets) if len(bets) else None,
        "clv": float(clv.mean()) if len(clv) else None,
        "clv_bets": len(clv),
        "market_matched": len(matched),
        "market_brier": _mean_or_none(
            brier(matched_outcome, matched["p_market"].to_numpy(dtype=float))
        ),
        "model_brier_on_market": _mean_or_none(
            brier(matched_outcome, matched["p_over"].to_numpy(dtype=float))
        ),
    }


def _weighted(rows: list[Mapping[str, Any]], value: str, weight: str) -> float | None:
    pairs = [(r[value], r[weight]) for r in rows if r[value] is not None and r[weight]]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None


def window_scores(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Pool stored days (of any model versions, stats or scopes) into one set of scores."""
    days = list(rows)
    settled = sum(r["settled"] for r in days)
    bets = sum(r["bets"] for r in days)
    profit = sum(r["profit"] for r in days)
    wins = sum(r["wins"] for r in days)
    decided = wins + sum(r["losses"] for r in days)
    bins = np.zeros((RELIABILITY_BINS, 3))
    for r in days:
        if r["reliability"]:
            bins += np.asarray(r["reliability"], dtype=float)
    return {
        "predictions": sum(r["predictions"] for r in days),
        "settled": settled,
        "brier": _weighted(days, "brier", "settled"),
        "log_loss": _weighted(days, "log_loss", "settled"),
        "ece": ece_from_sums(bins),
        "bets": bets,
        "hit_rate": wins / decided if decided else None,
        "profit": profit,
        "roi": profit / bets if bets else None,
        "clv": _weighted(days, "clv", "clv_bets"),
        "market_matched": sum(r["market_matched"] for r in days),
        "market_brier": _weighted(days, "market_brier", "market_matched"),
        "model_brier_on_market": _weighted(days, "model_brier_on_market", "market_matched"),
    }
