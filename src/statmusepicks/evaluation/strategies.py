"""Betting strategies: which side of which prop to bet, and how much.

Each strategy reads priced props (`p_over`, `p_under`, `p_push`, the best `over_price` /
`under_price`) and returns one row per bet with its side and its stake: `units` for flat
strategies (1 unit of a 100-unit bankroll) or `fraction` of the day's opening bankroll for Kelly.
The baselines (always over, always under, the origin frontend's heuristic) bet the same props the
model priced, so every comparison is like for like.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from statmusepicks.evaluation.odds import american_to_decimal, kelly_stake

BET_COLUMNS = ("side", "stake_kind", "stake_size")
MODEL_STRATEGIES = ("ev", "confidence", "kelly")
BASELINE_STRATEGIES = ("always_over", "always_under", "frontend")


@dataclass(frozen=True)
class StrategyParams:
    """Thresholds and sizing: EV > 3 %, 60 % confidence, 1/4 Kelly capped at 2 % of bankroll.

    A fraction of Kelly because the probabilities are estimates and full Kelly on an overstated
    edge overbets; the cap keeps one mispriced prop from sinking a day. The frontend strategy
    replays the origin frontend's rule, a 0.55 cut on sigmoid((predicted - line) / 5), as the
    baseline the models must beat (docs/backtesting.md)."""

    edge_threshold: float = 0.03
    confidence: float = 0.60
    kelly_fraction: float = 0.25
    kelly_cap: float = 0.02
    frontend_scale: float = 5.0
    frontend_threshold: float = 0.55
    flat_units: float = 1.0
    max_daily_exposure: float = 0.5


def side_values(priced: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Expected profit per unit of betting over and under at the offered prices."""
    over = priced["p_over"] * (american_to_decimal(priced["over_price"]) - 1.0) - priced["p_under"]
    under = (
        priced["p_under"] * (american_to_decimal(priced["under_price"]) - 1.0) - priced["p_over"]
    )
    return over, under


def frontend_probability(predicted: pd.Series, line: pd.Series, scale: float = 5.0) -> pd.Series:
    """The origin frontend's over probability: sigmoid((predicted - line) / 5), NaN unpredicted."""
    return 1.0 / (1.0 + np.exp(-(predicted.astype(float) - line.astype(float)) / scale))


def _bets(
    priced: pd.DataFrame, mask: pd.Series, side: pd.Series, kind: str, size: object
) -> pd.DataFrame:
    chosen = priced.loc[mask]
    return pd.DataFrame(
        {"side": side.loc[mask], "stake_kind": kind, "stake_size": size},
        index=chosen.index,
    ).assign(stake_size=lambda f: f["stake_size"].astype(float))


def ev_strategy(priced: pd.DataFrame, params: StrategyParams) -> pd.DataFrame:
    """Flat bet the side whose expected value exceeds the threshold."""
    over, under = side_values(priced)
    side = pd.Series(np.where(over >= under, "over", "under"), index=priced.index)
    best = np.maximum(over, under)
    return _bets(priced, best > params.edge_threshold, side, "units", params.flat_units)


def confidence_strategy(priced: pd.DataFrame, params: StrategyParams) -> pd.DataFrame:
    """Flat bet the side the model gives more than 60 % (pushes excluded), whatever the price."""
    p_over = priced["p_over"] / (priced["p_over"] + priced["p_under"])
    side = pd.Series(np.where(p_over >= 0.5, "over", "under"), index=priced.index)
    sure = np.maximum(p_over, 1.0 - p_over) > params.confidence
    return _bets(priced, sure, side, "units", params.flat_units)


def kelly_strategy(priced: pd.DataFrame, params: StrategyParams) -> pd.DataFrame:
    """Fractional Kelly on the better side, capped; bets only where the stake is positive."""
    over, under = side_values(priced)
    take_over = over >= under
    side = pd.Series(np.where(take_over, "over", "under"), index=priced.index)
    win = np.where(take_over, priced["p_over"], priced["p_under"])
    lose = np.where(take_over, priced["p_under"], priced["p_over"])
    price = np.where(take_over, priced["over_price"], priced["under_price"])
    fraction = pd.Series(
        [
            kelly_stake(w, lo, o, fraction=params.kelly_fraction, cap=params.kelly_cap)
            if np.isfinite(w) and np.isfinite(lo)
            else 0.0
            for w, lo, o in zip(win, lose, price, strict=True)
        ],
        index=priced.index,
        dtype=float,
    )
    positive = fraction > 0
    return _bets(priced, positive, side, "fraction", fraction.loc[positive])


def always_over(priced: pd.DataFrame, params: StrategyParams) -> pd.DataFrame:
    """Baseline: the over of every priced prop."""
    side = pd.Series("over", index=priced.index)
    return _bets(priced, priced["p_over"].notna(), side, "units", params.flat_units)


def always_under(priced: pd.DataFrame, params: StrategyParams) -> pd.DataFrame:
    """Baseline: the under of every priced prop."""
    side = pd.Series("under", index=priced.index)
    return _bets(priced, priced["p_over"].notna(), side, "units", params.flat_units)


def frontend_strategy(priced: pd.DataFrame, params: StrategyParams) -> pd.DataFrame:
    """Baseline: the origin frontend, over when its sigmoid says > 0.55, under when < 0.45."""
    p_over = frontend_probability(priced["predicted"], priced["line"], params.frontend_scale)
    side = pd.Series(np.where(p_over >= 0.5, "over", "under"), index=priced.index)
    sure = (np.maximum(p_over, 1.0 - p_over) > params.frontend_threshold) & priced["p_over"].notna()
    return _bets(priced, sure, side, "units", params.flat_units)


Strategy = Callable[[pd.DataFrame, StrategyParams], pd.DataFrame]

STRATEGIES: dict[str, Strategy] = {
    "ev": ev_strategy,
    "confidence": confidence_strategy,
    "kelly": kelly_strategy,
    "always_over": always_over,
    "always_under": always_under,
    "frontend": frontend_strategy,
}


def strategies_for(choice: str) -> tuple[str, ...]:
    """`ev`, `confidence`, `kelly` or `all`, always followed by the baselines."""
    chosen = MODEL_STRATEGIES if choice == "all" else (choice,)
    return (*chosen, *BASELINE_STRATEGIES)


def select_bets(priced: pd.DataFrame, names: Sequence[str], params: StrategyParams) -> pd.DataFrame:
    """Every strategy's bets, one row per (strategy, prop) with the price taken and its odds."""
    frames = []
    for name in names:
        chosen = STRATEGIES[name](priced, params)
        if chosen.empty:
            continue
        rows = priced.loc[chosen.index].join(chosen)
        over = rows["side"] == "over"
        rows = rows.assign(
            strategy=name,
            price=np.where(over, rows["over_price"], rows["under_price"]),
            book=np.where(over, rows["over_book"], rows["under_book"]),
            p_win=np.where(over, rows["p_over"], rows["p_under"]),
            p_lose=np.where(over, rows["p_under"], rows["p_over"]),
            market_p_side=np.where(over, rows["market_p_over"], 1.0 - rows["market_p_over"]),
            close_p_side=np.where(over, rows["close_p_over"], 1.0 - rows["close_p_over"]),
        )
        rows["edge"] = rows["p_win"] * (american_to_decimal(rows["price"]) - 1.0) - rows["p_lose"]
        frames.append(rows)
    if not frames:
        return pd.DataFrame(columns=["strategy", "prop_id", "game_date", *BET_COLUMNS])
    return pd.concat(frames, ignore_index=True)
