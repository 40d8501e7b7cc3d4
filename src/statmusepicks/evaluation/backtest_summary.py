"""A backtest's summary: per-strategy bet statistics, probability quality and ROI by edge.

Model, market and the frontend heuristic are scored on exactly the same settled props, so the
comparison between them is fair.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from statmusepicks.evaluation.backtest_types import BacktestConfig
from statmusepicks.evaluation.bankroll import summarize_bets
from statmusepicks.evaluation.metrics import probability_scores
from statmusepicks.evaluation.odds import american_to_decimal

EDGE_BUCKETS = (-np.inf, 0.0, 0.02, 0.05, 0.10, np.inf)
EDGE_LABELS = ("<0%", "0-2%", "2-5%", "5-10%", ">=10%")


def summarize_run(
    config: BacktestConfig,
    priced: pd.DataFrame,
    bets: pd.DataFrame,
    curves: pd.DataFrame,
    counts: dict[str, int],
    pricer_name: str,
) -> dict[str, Any]:
    """The JSON-ready summary stored with a run: counts, strategies, probability, edge buckets."""
    by_strategy: dict[str, Any] = {}
    for name in config.strategies:
        placed = bets[bets["strategy"] == name]
        curve = curves[curves["strategy"] == name]
        by_strategy[name] = {
            **summarize_bets(
                placed,
                curve,
                samples=config.bootstrap_samples,
                seed=config.seed,
                starting_bankroll=config.starting_bankroll,
            ),
            "by_stat": _grouped(placed, "market", config),
            "by_book": _grouped(placed, "book", config),
        }
    return {
        "pricer": pricer_name,
        "synthetic": config.synthetic,
        "start": config.start.isoformat(),
        "end": config.end.isoformat(),
        "book": config.book,
        "days": int(priced["game_date"].nunique()),
        "props": len(priced),
        "props_priced": int(priced["p_over"].notna().sum()),
        "results": {k: int(v) for k, v in priced["result"].value_counts().items()},
        "lines": counts,
        "strategies": by_strategy,
        "probability": probability_quality(priced),
        "edge_buckets": edge_buckets(priced),
        "params": config.as_params(),
    }


def _grouped(placed: pd.DataFrame, column: str, config: BacktestConfig) -> dict[str, Any]:
    """The bet summary per stat or per book (no bankroll curve: groups share one bankroll)."""
    if placed.empty:
        return {}
    return {
        str(key): summarize_bets(
            group,
            None,
            samples=config.bootstrap_samples,
            seed=config.seed,
            starting_bankroll=config.starting_bankroll,
        )
        for key, group in placed.groupby(column)
    }


def probability_quality(priced: pd.DataFrame) -> dict[str, Any]:
    """Brier, log loss and ECE of model, market and frontend heuristic on the same props.

    Only props settled over or under and priced by the model count, so all three forecasters
    face exactly the same outcomes; the model's over probability is taken conditional on no push
    (as the de-vigged market's is).
    """
    settled = priced[priced["result"].isin(["over", "under"]) & priced["p_over"].notna()]
    settled = settled.assign(
        outcome=(settled["result"] == "over").astype(float),
        model_p=settled["p_over"] / (settled["p_over"] + settled["p_under"]),
    )

    def scores(rows: pd.DataFrame) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": probability_scores(rows["outcome"], rows["model_p"]),
            "market": probability_scores(rows["outcome"], rows["market_p_over"]),
        }
        heuristic = rows[rows["frontend_p_over"].notna()]
        if not heuristic.empty:
            out["frontend_sigmoid"] = probability_scores(
                heuristic["outcome"], heuristic["frontend_p_over"]
            )
        return out

    if settled.empty:
        return {"overall": None, "by_stat": {}}
    return {
        "overall": scores(settled),
        "by_stat": {str(stat): scores(rows) for stat, rows in settled.groupby("market")},
    }


def edge_buckets(priced: pd.DataFrame) -> list[dict[str, Any]]:
    """Flat-stake ROI of the model's preferred side per bucket of its claimed edge.

    Whether bigger claimed edges pay more is the plainest test that the edge is real.
    """
    rows = priced[priced["p_over"].notna() & (priced["result"] != "void")].copy()
    if rows.empty:
        return []
    over_ev = rows["p_over"] * (american_to_decimal(rows["over_price"]) - 1) - rows["p_under"]
    under_ev = rows["p_under"] * (american_to_decimal(rows["under_price"]) - 1) - rows["p_over"]
    take_over = over_ev >= under_ev
    rows["edge"] = np.where(take_over, over_ev, under_ev)
    price = np.where(take_over, rows["over_price"], rows["under_price"])
    won = np.where(take_over, rows["result"] == "over", rows["result"] == "under")
    push = rows["result"] == "push"
    rows["profit"] = np.where(push, 0.0, np.where(won, american_to_decimal(price) - 1, -1.0))
    rows["bucket"] = pd.cut(rows["edge"], EDGE_BUCKETS, labels=EDGE_LABELS, right=False)
    table = rows.groupby("bucket", observed=False).agg(
        bets=("profit", "size"), profit=("profit", "sum"), mean_edge=("edge", "mean")
    )
    return [
        {
            "bucket": str(label),
            "bets": int(row.bets),
            "roi": float(row.profit / row.bets) if row.bets else None,
            "mean_edge": float(row.mean_edge) if row.bets else None,
        }
        for label, row in table.iterrows()
    ]
