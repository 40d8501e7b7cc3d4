"""Use cases only the web dashboard needs: player search, data status details, model overview.

Everything here is read-only and returns plain dicts the templates lay out; the numbers come
from the stored tables and report files that the other use cases write.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, or_, select

from statmusepicks.core.stats import normalize_name
from statmusepicks.data.db.models import (
    IngestionRun,
    ModelRecord,
    Player,
    PlayerGameStats,
    Prediction,
    PropLine,
    QuarantinedRow,
)
from statmusepicks.evaluation.baselines import POINT_BASELINES, market_lines
from statmusepicks.evaluation.metrics import probability_scores, reliability_table
from statmusepicks.services.container import Container

SEARCH_LIMIT = 8
RECENT_RUNS = 10
# Ten equal-width bins: with a few thousand settled lines each bin near 0.5 holds hundreds.
RELIABILITY_BINS = 10
# The market's reliability is recomputed at most hourly: lines settle once a day.
RELIABILITY_TTL = 3600
CHAMPION = "champion"


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


# ----------------------------------------------------------------------------- players
def search_players(container: Container, query: str, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    """Players whose folded name has a word starting with each typed word, most recent first.

    Matches accents and case loosely like the context API's name resolution ("jok" finds
    Nikola Jokić), so that a suggestion picked here always resolves there.
    """
    words = normalize_name(query or "").split()
    if not words:
        return []
    anchor = max(words, key=len)
    with container.sessions() as session:
        rows = session.scalars(
            select(Player)
            .where(or_(Player.name_key.like(f"{anchor}%"), Player.name_key.like(f"% {anchor}%")))
            .order_by(Player.last_game_date.desc().nulls_last(), Player.name)
        ).all()
        matches = [
            player
            for player in rows
            if all(any(part.startswith(w) for part in player.name_key.split()) for w in words)
        ]
        return [
            {
                "playerId": player.player_id,
                "name": player.name,
                "team": player.team,
                "lastGameDate": player.last_game_date.isoformat()
                if player.last_game_date
                else None,
            }
            for player in matches[:limit]
        ]


def latest_player_line(
    container: Container, player_id: int, market: str, before: dt.date | None = None
) -> float | None:
    """The player's most recent stored main line for a market (the player page's default)."""
    with container.sessions() as session:
        statement = select(PropLine.line).where(
            PropLine.player_id == player_id,
            PropLine.market == market,
            PropLine.is_main_line.is_(True),
        )
        if before is not None:
            statement = statement.where(PropLine.game_date <= before)
        line = session.scalar(
            statement.order_by(PropLine.game_date.desc(), PropLine.captured_at.desc()).limit(1)
        )
    return None if line is None else float(line)


def opponent_hit_rate(games: list[dict[str, Any]], opponent: str | None, line: float) -> dict[str, Any]:
    """How often the stat went over `line` in the listed games against one opponent."""
    against = [g for g in games if opponent and g.get("opponent") == opponent]
    values = [g["statValue"] for g in against if g.get("statValue") is not None]
    overs = sum(1 for value in values if value > line)
    return {
        "opponent": opponent,
        "games": len(values),
        "overs": overs,
        "rate": overs / len(values) if values else None,
    }


# ----------------------------------------------------------------------------- status
def latest_line_date(container: Container) -> dt.date | None:
    """The newest date with stored prop lines (the board's default date)."""
    with container.sessions() as session:
        return session.scalar(select(func.max(PropLine.game_date)))


def line_dates(container: Container, limit: int = 60) -> list[dt.date]:
    """The most recent dates with stored prop lines, newest first."""
    with container.sessions() as session:
        return list(
            session.scalars(
                select(PropLine.game_date)
                .group_by(PropLine.game_date)
                .order_by(PropLine.game_date.desc())
                .limit(limit)
            )
        )


def data_status(container: Container, runs: int = RECENT_RUNS) -> dict[str, Any]:
    """Latest game and line, the last sync runs, quarantined rows by reason, models in use."""
    with container.sessions() as session:
        latest_game = session.scalar(select(func.max(PlayerGameStats.game_date)))
        games = session.scalar(
            select(func.count())
            .select_from(PlayerGameStats)
            .where(PlayerGameStats.game_date == latest_game)
        )
        recent_runs = session.scalars(
            select(IngestionRun).order_by(IngestionRun.id.desc()).limit(runs)
        ).all()
        quarantine = session.execute(
            select(QuarantinedRow.table_name, QuarantinedRow.reason, func.count())
            .group_by(QuarantinedRow.table_name, QuarantinedRow.reason)
            .order_by(func.count().desc())
        ).all()
        models = session.scalars(
            select(ModelRecord)
            .where(ModelRecord.alias.is_not(None))
            .order_by(ModelRecord.stat, ModelRecord.scope, ModelRecord.alias)
        ).all()
        return {
            "latest_game_date": latest_game,
            "box_scores_on_latest_date": int(games or 0),
            "latest_line_date": session.scalar(select(func.max(PropLine.game_date))),
            "players": int(session.scalar(select(func.count()).select_from(Player)) or 0),
            "runs": [
                {
                    "id": run.id,
                    "kind": run.kind,
                    "status": run.status,
                    "started_at": run.started_at,
                    "finished_at": run.finished_at,
                    "rows_in": run.rows_in,
                    "rows_inserted": run.rows_inserted,
                    "rows_updated": run.rows_updated,
                    "rows_quarantined": run.rows_quarantined,
                    "errors": len(run.errors or []),
                }
                for run in recent_runs
            ],
            "quarantine": [
                {"table": table, "reason": reason, "rows": int(count)}
                for table, reason, count in quarantine
            ],
            "models": [
                {
                    "name": model.name,
                    "stat": model.stat,
                    "scope": model.scope,
                    "version": model.version,
                    "alias": model.alias,
                    "created_at": model.created_at,
                }
                for model in models
            ],
        }


# ----------------------------------------------------------------------------- models
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
        str(row["stat"]): {c: _finite(row.get(c)) for c in columns}
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
                    "valid_mae": _finite(metrics.get("valid_mae")),
                    **(baselines.get(model.stat, {}) if model.scope == "global" else {}),
                    "lines_n": _finite(metrics.get("lines_n")),
                    "lines_brier": _finite(metrics.get("lines_calibrated_brier"))
                    or _finite(metrics.get("lines_brier")),
                    "market_brier": _finite(metrics.get("lines_market_brier")),
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
        "brier": _finite(scores["brier"]),
        "ece": _finite(scores["ece"]),
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
            select(Prediction.over_probability, Prediction.result).where(
                Prediction.result.in_(("over", "under"))
            ),
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
        curves["model (graded predictions)"] = _curve(
            (graded["result"] == "over").astype(float), graded["over_probability"]
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
