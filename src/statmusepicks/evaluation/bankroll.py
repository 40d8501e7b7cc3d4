"""Stakes, profits, bankroll curves and the statistics a bettor reads off them.

Conventions: a void bet (the player did not play) is refunded and counted nowhere, as if never
placed; a push is a bet whose stake comes back (zero profit, stake counted in turnover); ROI is
profit over staked. Kelly stakes are a fraction of the bankroll at the start of the day, since
all of a day's bets are placed before its games settle; when a day's Kelly fractions add up to
more than `max_daily_exposure` of the bankroll they are scaled down together, so that a day of
many small edges cannot stake more than half the bankroll.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from statmusepicks.evaluation.backtest_types import BacktestConfig
from statmusepicks.evaluation.odds import american_to_decimal

# Two-sided 95 %: the edge is significant once it is 1.96 standard errors from zero.
Z_95 = 1.959964


def profit_per_unit(side: pd.Series, result: pd.Series, price: pd.Series) -> pd.Series:
    """Profit of a 1-unit bet: decimal odds - 1 when it wins, -1 when it loses, 0 push/void."""
    won = side.to_numpy() == result.to_numpy()
    refunded = result.isin(["push", "void"]).to_numpy()
    payout = american_to_decimal(price.to_numpy(dtype=float)) - 1.0
    values = np.where(refunded, 0.0, np.where(won, payout, -1.0))
    return pd.Series(values, index=side.index, dtype=float)


def closing_line_value(close_p_side: pd.Series, price: pd.Series) -> pd.Series:
    """Expected return of a bet at `price` had it been priced at the closing consensus:
    positive means the bet beat the close (NaN where no closing price is known)."""
    return close_p_side * american_to_decimal(price.to_numpy(dtype=float)) - 1.0


def simulate_bankroll(
    bets: pd.DataFrame, days: Iterable[dt.date], config: BacktestConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stake and settle each strategy's bets day by day; returns bets and daily curves."""
    days = sorted(days)
    if bets.empty:
        return bets.assign(stake=[], profit=[]), pd.DataFrame(
            columns=["strategy", "game_date", "bankroll", "day_profit", "day_return"]
        )
    bets = bets.assign(unit_profit=profit_per_unit(bets["side"], bets["result"], bets["price"]))
    bets["clv"] = closing_line_value(bets["close_p_side"], bets["price"])
    stakes = np.zeros(len(bets))
    curves = []
    for name in config.strategies:
        bankroll = config.starting_bankroll
        for day in days:
            today = np.flatnonzero(
                (bets["strategy"] == name).to_numpy() & (bets["game_date"] == day).to_numpy()
            )
            sizes = bets["stake_size"].to_numpy()[today]
            kelly = bets["stake_kind"].to_numpy()[today] == "fraction"
            fractions = np.where(kelly, sizes, 0.0)
            exposure = fractions.sum()
            if exposure > config.staking.max_daily_exposure:
                fractions = fractions * config.staking.max_daily_exposure / exposure
            stakes[today] = np.where(kelly, fractions * max(bankroll, 0.0), sizes)
            day_profit = float(np.sum(stakes[today] * bets["unit_profit"].to_numpy()[today]))
            opening = bankroll
            bankroll += day_profit
            curves.append(
                {
                    "strategy": name,
                    "game_date": day,
                    "bankroll": bankroll,
                    "day_profit": day_profit,
                    "day_return": day_profit / opening if opening > 0 else 0.0,
                }
            )
    bets["stake"] = stakes
    bets["profit"] = stakes * bets["unit_profit"]
    return bets, pd.DataFrame(curves)


def max_drawdown(bankroll: pd.Series, starting_bankroll: float) -> tuple[float, float]:
    """Largest fall from a running peak: in units, and as a share of that peak (1.0 = ruin).

    Flat staking can run a notional bankroll below zero; the share is then capped at 1.
    """
    values = np.concatenate([[starting_bankroll], bankroll.to_numpy(dtype=float)])
    peaks = np.maximum.accumulate(values)
    falls = peaks - values
    share = np.minimum(falls / np.where(peaks > 0, peaks, np.nan), 1.0)
    return float(np.max(falls)), float(np.nanmax(share))


def bootstrap_roi(
    placed: pd.DataFrame, *, samples: int, seed: int, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile interval for ROI, resampling whole days (bets on one day are correlated)."""
    stake = placed["stake"].to_numpy(dtype=float)
    if len(stake) == 0 or stake.sum() <= 0:
        return None
    profit = placed["profit"].to_numpy(dtype=float)
    _, day = np.unique(placed["game_date"].astype(str).to_numpy(), return_inverse=True)
    if day.max() > 0:
        profit, stake = np.bincount(day, profit), np.bincount(day, stake)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(profit), size=(samples, len(profit)))
    staked = stake[picks].sum(axis=1)
    rois = profit[picks].sum(axis=1) / np.where(staked > 0, staked, np.nan)
    tail = (1.0 - level) / 2.0
    low, high = np.nanquantile(rois, [tail, 1.0 - tail])
    return float(low), float(high)


def bets_for_significance(unit_returns: pd.Series, stakes: pd.Series | None = None) -> int | None:
    """Bets needed for the observed ROI to sit 1.96 standard errors above 0.

    Returns per unit staked are weighted by stake (Kelly bets differ in size), so the mean is
    the reported ROI. None when the observed edge is not positive (no number of bets makes a
    loss significant as a win). About 1,400 bets for a 55 % record at -110.
    """
    values = unit_returns.to_numpy(dtype=float)
    weights = np.ones(len(values)) if stakes is None else stakes.to_numpy(dtype=float)
    if len(values) < 2 or weights.sum() <= 0:
        return None
    mean = float(np.average(values, weights=weights))
    spread = float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))
    if mean <= 0 or spread == 0:
        return None
    return math.ceil((Z_95 * spread / mean) ** 2)


SUMMARY_INPUTS = (
    "game_date",
    "side",
    "result",
    "stake",
    "profit",
    "unit_profit",
    "edge",
    "market_p_side",
    "clv",
)


def summarize_bets(
    placed: pd.DataFrame,
    curve: pd.DataFrame | None,
    *,
    samples: int = 2000,
    seed: int = 0,
    starting_bankroll: float = 100.0,
) -> dict[str, Any]:
    """Bets, record, ROI with its bootstrap 95 % interval, units, CLV, Sharpe and drawdown."""
    placed = placed.reindex(columns=list(SUMMARY_INPUTS))
    result = placed["result"].to_numpy(dtype=object)
    live = placed[result != "void"]
    outcome = live["result"].to_numpy(dtype=object)
    stake = live["stake"].to_numpy(dtype=float)
    wins = int(np.sum(live["side"].to_numpy(dtype=object) == outcome))
    pushes = int(np.sum(outcome == "push"))
    losses = len(live) - wins - pushes
    staked = float(stake.sum())
    profit = float(live["profit"].to_numpy(dtype=float).sum())
    interval = bootstrap_roi(live, samples=samples, seed=seed)
    clv = live["clv"].to_numpy(dtype=float)
    clv = clv[np.isfinite(clv)]

    def mean_of(column: str) -> float | None:
        values = live[column].to_numpy(dtype=float)
        return float(values.mean()) if len(values) else None

    summary: dict[str, Any] = {
        "bets": len(live),
        "voided": int(np.sum(result == "void")),
        "wins": wins,
        "losses": losses,
        "pushes": pushes,
        "win_rate": wins / (wins + losses) if wins + losses else None,
        "staked_units": staked,
        "profit_units": profit,
        "roi": profit / staked if staked > 0 else None,
        "roi_ci95": list(interval) if interval else None,
        "mean_claimed_edge": mean_of("edge"),
        "mean_market_p_side": mean_of("market_p_side"),
        "clv_mean": float(clv.mean()) if len(clv) else None,
        "clv_bets": len(clv),
        "bets_for_significance": bets_for_significance(
            live["unit_profit"][stake > 0], live["stake"][stake > 0]
        ),
    }
    if curve is not None:
        summary.update(_curve_stats(curve, starting_bankroll))
    return summary


def _curve_stats(curve: pd.DataFrame, starting_bankroll: float) -> dict[str, Any]:
    if curve.empty:
        return {
            "final_bankroll": starting_bankroll,
            "max_drawdown_units": 0.0,
            "max_drawdown": 0.0,
            "sharpe_daily": None,
        }
    returns = curve["day_return"].to_numpy(dtype=float)
    spread = float(np.std(returns, ddof=1)) if len(returns) > 1 else 0.0
    units, share = max_drawdown(curve["bankroll"], starting_bankroll)
    return {
        "final_bankroll": float(curve["bankroll"].iloc[-1]),
        "max_drawdown_units": units,
        "max_drawdown": share,
        "sharpe_daily": float(np.mean(returns) / spread) if spread > 0 else None,
    }
