"""A replayed season's scores: the boards it served, graded, per week and per stat.

The served probability is scored against the de-vigged consensus of the books on the very same
lines at the moment the board was served, so model and market face the same outcomes; the bets
are the board's OVER/UNDER recommendations at the best price it showed, one unit each. Only
props settled over or under are scored for probability (a push has no binary outcome); the
model's P(over) is taken given no push, as the de-vigged market's is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from statmusepicks.evaluation.bankroll import closing_line_value, summarize_bets
from statmusepicks.evaluation.metrics import probability_scores

BET_SIDES = ("OVER", "UNDER")


def week_of(dates: pd.Series) -> pd.Series:
    """The Monday starting each date's week, as YYYY-MM-DD (weeks run Monday to Sunday)."""
    days = pd.to_datetime(dates)
    return (days - pd.to_timedelta(days.dt.weekday, unit="D")).dt.strftime("%Y-%m-%d")


def placed_bets(graded: pd.DataFrame) -> pd.DataFrame:
    """The recommended bets in the shape `summarize_bets` reads (one unit each)."""
    bets = graded[graded["recommendation"].isin(BET_SIDES)].copy()
    over = bets["recommendation"].eq("OVER").to_numpy()
    served_p = bets["over_probability"] / (bets["over_probability"] + bets["under_probability"])
    market_p = bets["market_over_probability"]
    close_p = bets["close_market_over_probability"]
    price = pd.Series(
        np.where(over, bets["best_over_odds"], bets["best_under_odds"]), index=bets.index
    )
    profit = bets["profit"].fillna(0.0).astype(float)
    return pd.DataFrame(
        {
            "game_date": bets["date"].astype(str),
            "side": bets["recommendation"].str.lower(),
            "result": bets["result"],
            "stake": 1.0,
            "profit": profit,
            "unit_profit": profit,
            "edge": np.where(over, served_p - market_p, market_p - served_p),
            "market_p_side": np.where(over, market_p, 1.0 - market_p),
            "clv": closing_line_value(
                pd.Series(np.where(over, close_p, 1.0 - close_p), index=bets.index), price
            ),
        }
    )


def group_scores(rows: pd.DataFrame, *, samples: int, seed: int) -> dict[str, Any]:
    """Probability scores (served vs market) and the bets of one group of graded props."""
    settled = rows[rows["result"].isin(["over", "under"])]
    outcome = settled["result"].eq("over").astype(float)
    served_p = settled["over_probability"] / (
        settled["over_probability"] + settled["under_probability"]
    )
    bets = summarize_bets(placed_bets(rows), None, samples=samples, seed=seed)
    return {
        "props": len(rows),
        "settled": len(settled),
        "served": probability_scores(outcome, served_p),
        "market": probability_scores(outcome, settled["market_over_probability"]),
        "bets": bets["bets"],
        "wins": bets["wins"],
        "losses": bets["losses"],
        "profit_units": bets["profit_units"],
        "roi": bets["roi"],
        "roi_ci95": bets["roi_ci95"],
        "clv_mean": bets["clv_mean"],
        "clv_bets": bets["clv_bets"],
    }


def summarize_replay(graded: pd.DataFrame, *, samples: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Overall, per week, per stat and per week and stat scores of the graded boards."""
    rows = graded[graded["result"].notna()].assign(week=lambda f: week_of(f["date"]))

    def scores(group: pd.DataFrame) -> dict[str, Any]:
        return group_scores(group, samples=samples, seed=seed)

    return {
        "days": int(rows["date"].nunique()),
        "first_day": str(rows["date"].min()) if len(rows) else None,
        "last_day": str(rows["date"].max()) if len(rows) else None,
        "overall": scores(rows),
        "by_week": {str(week): scores(group) for week, group in rows.groupby("week")},
        "by_stat": {str(stat): scores(group) for stat, group in rows.groupby("stat")},
        "by_week_stat": {
            f"{week}|{stat}": scores(group)
            for (week, stat), group in rows.groupby(["week", "stat"])
        },
    }


def score_table(groups: dict[str, dict[str, Any]], label: str) -> pd.DataFrame:
    """One row per group: settled props, Brier / log loss / ECE of served and market, the bets."""
    records = []
    for key, block in groups.items():
        low, high = block["roi_ci95"] or (None, None)
        record = {label: key, "settled": block["settled"]}
        for metric in ("brier", "log_loss", "ece"):
            for side in ("served", "market"):
                record[f"{metric}_{side}"] = block[side][metric]
        record.update(
            bets=block["bets"],
            roi=block["roi"],
            roi_ci95_low=low,
            roi_ci95_high=high,
            clv_mean=block["clv_mean"],
        )
        records.append(record)
    return pd.DataFrame(records)


def graded_from_backtest(
    props: pd.DataFrame, bets: pd.DataFrame, strategy: str = "ev"
) -> pd.DataFrame:
    """A walk-forward backtest's priced props as graded boards in the replay's columns, so
    both are scored by `summarize_replay` alike: the `strategy`'s bets are the
    recommendations, one unit each at the price they took; unpriced props are left out."""
    priced = props[props["p_over"].notna()]
    chosen = bets[bets["strategy"] == strategy].set_index("prop_id")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(priced["game_date"]).dt.strftime("%Y-%m-%d"),
            "player_id": priced["player_id"],
            "stat": priced["market"],
            "line": priced["line"],
            "best_over_odds": priced["over_price"],
            "best_under_odds": priced["under_price"],
            "over_probability": priced["p_over"],
            "under_probability": priced["p_under"],
            "market_over_probability": priced["market_p_over"],
            "close_market_over_probability": priced["close_p_over"],
            "recommendation": priced["prop_id"].map(chosen["side"]).str.upper().fillna("PASS"),
            "result": priced["result"],
            "profit": priced["prop_id"].map(chosen["unit_profit"]),
        }
    ).reset_index(drop=True)
