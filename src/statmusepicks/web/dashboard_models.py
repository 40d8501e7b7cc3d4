"""The models page's data: champions next to baselines and the market, and reliability curves.

Numbers come from the model records and the report files `statmusepicks train` and
`statmusepicks evaluate` write; nothing here fits or scores a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from statmusepicks.core.numbers import finite_or_none
from statmusepicks.core.stats import CHAMPION, GLOBAL_SCOPE
from statmusepicks.data.db.models import ModelRecord, Prediction, PropLine
from statmusepicks.evaluation.baselines import POINT_BASELINES, market_lines
from statmusepicks.evaluation.metrics import probability_scores, reliability_table
from statmusepicks.services.container import Container

# Ten equal-width bins: with a few thousand settled lines each bin near 0.5 holds hundreds.
RELIABILITY_BINS = 10
# The market's reliability is recomputed at most hourly: lines settle once a day.
RELIABILITY_TTL = 3600


def _latest_report(var_dir: Path, prefix: str, name: str) -> Path | None:
    reports = var_dir / "reports"
    if not reports.exists():
        return None
    found = sorted(reports.glob(f"{prefix}-*/{name}"))
    return found[-1] if found else None


def reliability_image(container: Container) -> Path | None:
    """The newest reliability diagram written by `statmusepicks evaluate`, if any."""
    return _latest_report(container.settings.var_dir, "evaluation", "reliability.png")


def _baselines(container: Container) -> dict[str, dict[str, float | None]]:
    """Per stat validation MAE of the baselines, from the newest training report."""
    path = _latest_report(container.settings.var_dir, "training", "global_models.csv")
    if path is None:
        return {}
    table = pd.read_csv(path)
    columns = ["mae_model_same_rows", *(f"mae_{b}" for b in POINT_BASELINES)]
    return {
        str(row["stat"]): {c: finite_or_none(row.get(c)) for c in columns}
        for _, row in table.iterrows()
    }


def champion_metrics(container: Container) -> list[dict[str, Any]]:
    """Per stat and scope: the champion's version, validation MAE, baselines and line scores."""
    baselines = _baselines(container)
    with container.sessions() as session:
        champions = session.scalars(
            select(ModelRecord)
            .where(ModelRecord.alias == CHAMPION)
            .order_by(ModelRecord.stat, ModelRecord.scope)
        ).all()
        rows = []
        for model in champions:
            metrics = model.metrics or {}
            rows.append(
                {
                    "stat": model.stat,
                    "scope": model.scope,
                    "version": model.version,
                    "valid_mae": finite_or_none(metrics.get("valid_mae")),
                    **(baselines.get(model.stat, {}) if model.scope == GLOBAL_SCOPE else {}),
                    "lines_n": finite_or_none(metrics.get("lines_n")),
                    "lines_brier": finite_or_none(metrics.get("lines_calibrated_brier"))
                    or finite_or_none(metrics.get("lines_brier")),
                    "market_brier": finite_or_none(metrics.get("lines_market_brier")),
                }
            )
    return rows


def _curve(outcome: pd.Series, probability: pd.Series) -> dict[str, Any]:
    table = reliability_table(outcome, probability, RELIABILITY_BINS)
    filled = table[table["count"] > 0]
    scores = probability_scores(outcome, probability)
    return {
        "forecast": [float(v) for v in filled["forecast"]],
        "observed": [float(v) for v in filled["observed"]],
        "count": [int(v) for v in filled["count"]],
        "n": int(scores["n"]),
        "brier": finite_or_none(scores["brier"]),
        "ece": finite_or_none(scores["ece"]),
    }


def reliability_curves(container: Container) -> dict[str, Any]:
    """Reliability of P(over): the served model on graded predictions, the de-vigged market
    on every settled stored main line (the benchmark the model has to beat)."""
    key = "dashboard:reliability"
    cached = container.cache.get(key)
    if cached is not None:
        return dict(cached)
    curves: dict[str, Any] = {}
    with container.engine.connect() as connection:
        graded = pd.read_sql(
            select(
                Prediction.over_probability, Prediction.under_probability, Prediction.result
            ).where(Prediction.result.in_(("over", "under"))),
            connection,
        )
        lines = pd.read_sql(
            select(
                PropLine.player_id,
                PropLine.game_date,
                PropLine.season,
                PropLine.market,
                PropLine.bookmaker,
                PropLine.line,
                PropLine.over_price,
                PropLine.under_price,
                PropLine.is_main_line,
                PropLine.actual,
                PropLine.captured_at,
            ).where(PropLine.actual.is_not(None), PropLine.is_main_line.is_(True)),
            connection,
        )
    if not graded.empty:
        no_push = graded["over_probability"] / (
            graded["over_probability"] + graded["under_probability"]
        )
        curves["model (graded predictions)"] = _curve(
            (graded["result"] == "over").astype(float), no_push
        )
    # The last snapshot of each book's line is its closing price: one row per line and book.
    closing = lines.sort_values("captured_at").drop_duplicates(
        ["player_id", "game_date", "market", "bookmaker"], keep="last"
    )
    settled = market_lines(closing).dropna(subset=["over"]) if not closing.empty else closing
    if not settled.empty:
        curves["market (de-vigged lines)"] = _curve(settled["over"], settled["p_market"])
    container.cache.set(key, curves, RELIABILITY_TTL)
    return curves
