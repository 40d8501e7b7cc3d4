"""Use cases only the web dashboard needs: player search, data status details, model overview.

Everything here is read-only and returns plain dicts the templates lay out; the numbers come
from the stored tables and report files that the other use cases write.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, or_, select

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import StatSpec, normalize_name, resolve_stat
from statmusepicks.data.db.models import (
    IngestionRun,
    ModelRecord,
    Player,
    PlayerGameStats,
    Prediction,
    PropLine,
    QuarantinedRow,
)
from statmusepicks.data.repositories import players as players_repo
from statmusepicks.evaluation.baselines import POINT_BASELINES, market_lines
from statmusepicks.evaluation.metrics import probability_scores, reliability_table
from statmusepicks.services import board as board_service
from statmusepicks.services.container import Container
from statmusepicks.services.context import MAX_LIMIT, ContextQuery, context_service
from statmusepicks.services.predictions import (
    DEFAULT_ODDS,
    PredictionRequest,
    prediction_service,
)

SEARCH_LIMIT = 8
RECENT_RUNS = 10
# Ten equal-width bins: with a few thousand settled lines each bin near 0.5 holds hundreds.
RELIABILITY_BINS = 10
# The market's reliability is recomputed at most hourly: lines settle once a day.
RELIABILITY_TTL = 3600
CHAMPION = "champion"
# The predictor's last resort, a distribution around the season average (models/predictor.py).
FALLBACK_SCOPE = "season_average"


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


# ----------------------------------------------------------------------------- players
def search_players(
    container: Container, query: str, limit: int = SEARCH_LIMIT
) -> list[dict[str, Any]]:
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


def opponent_hit_rate(
    games: list[dict[str, Any]], opponent: str | None, line: float
) -> dict[str, Any]:
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
        str(row["stat"]): {c: _finite(row.get(c)) for c in columns} for _, row in table.iterrows()
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


# ----------------------------------------------------------------------------- player page
# The chart shows the last 20 games: the longest hit-rate window.
CHART_GAMES = 20


def parse_line(text: str | None, spec: StatSpec) -> float | None:
    """A line typed into a form: a number within the stat's sane range, or None when blank."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise ValidationError(f"The line must be a number, got {text!r}.") from exc
    if not 0 <= value <= spec.max_line or math.isnan(value):
        raise ValidationError(f"A {spec.label} line must be between 0 and {spec.max_line:g}.")
    return value


def _outcome(value: float | None, line: float) -> str:
    if value is None or value == line:
        return "push"
    return "over" if value > line else "under"


def games_chart(games: list[dict[str, Any]], line: float, label: str) -> dict[str, Any]:
    """The last CHART_GAMES games oldest first, each marked over, under or push of the line."""
    recent = list(reversed(games[:CHART_GAMES]))
    marked = [
        {
            "date": game["date"],
            "opponent": game["opponent"],
            "home": game["home"],
            "value": game["statValue"],
            "minutes": game["minutes"],
            "outcome": _outcome(game["statValue"], line),
        }
        for game in recent
    ]
    return {
        "games": marked,
        "line": line,
        "label": label,
        "overs": sum(g["outcome"] == "over" for g in marked),
        "unders": sum(g["outcome"] == "under" for g in marked),
    }


def player_view(
    container: Container, name: str, spec: StatSpec, line: float | None = None
) -> dict[str, Any]:
    """Everything the player page shows for one stat, against the typed line or a default one.

    The default line is the player's latest stored main line for the stat, else the 10-game
    average rounded to the nearest half point below (books hang .5 lines so that none pushes).
    """
    service = context_service(container)
    source = "your line"
    if line is None:
        with container.sessions() as session:
            player = players_repo.resolve_player(session, name)
        line = latest_player_line(container, player.player_id, spec.key)
        source = "latest stored line"
        name = str(player.player_id)
    if line is None:
        probe = service.player_context(ContextQuery(player=name, stat=spec.key, limit=1))
        average = probe["rollingAverages"]["sma10"] or probe["seasonAvg"] or 0.5
        line = max(0.5, math.floor(average) + 0.5)
        source = "near the 10-game average"
    context = service.player_context(
        ContextQuery(player=name, stat=spec.key, limit=MAX_LIMIT, line=line)
    )
    next_game = context.get("nextGame") or {}
    return {
        "context": context,
        "line": line,
        "line_source": source,
        "max_line": spec.max_line,
        "chart": games_chart(context["recentGames"], line, spec.label),
        "opponent_hits": opponent_hit_rate(context["recentGames"], next_game.get("opponent"), line),
    }


def books_on(container: Container, day: dt.date | None) -> list[str]:
    """Bookmakers with stored lines on a date (the board's book filter)."""
    if day is None:
        return []
    with container.sessions() as session:
        return list(
            session.scalars(
                select(PropLine.bookmaker)
                .where(PropLine.game_date == day)
                .group_by(PropLine.bookmaker)
                .order_by(PropLine.bookmaker)
            )
        )


# ----------------------------------------------------------------------------- board
# Board orderings the page offers; each sorts the board service's props.
BOARD_SORT_KEYS: dict[str, tuple[Any, bool]] = {
    "ev": (lambda row: row["expected_value"], True),
    "edge": (lambda row: row["edge"], True),
    "p_over": (lambda row: row["over_probability"], True),
    "player": (lambda row: (row["player"], row["stat"], row["line"]), False),
    "line": (lambda row: row["line"], True),
}


@dataclass(frozen=True)
class BoardFilters:
    """The board's query: a date (default: the latest with lines), stat, book, minimum edge,
    order, and whether the alternate rungs of the books' ladders are listed too."""

    date: dt.date | None = None
    stat: str | None = None
    book: str | None = None
    min_edge: float | None = None
    sort: str = "ev"
    main_only: bool = True

    @classmethod
    def parse(
        cls,
        date: str | None,
        stat: str | None,
        book: str | None,
        min_edge: str | None,
        sort: str | None,
        lines: str | None = None,
    ) -> BoardFilters:
        """Filters from form fields; blanks mean "any", a bad value raises ValidationError."""
        try:
            day = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise ValidationError(f"The date must look like 2025-11-14, got {date!r}.") from exc
        try:
            edge = float(min_edge) / 100 if min_edge not in (None, "") else None
        except ValueError as exc:
            raise ValidationError(f"The minimum edge must be a number, got {min_edge!r}.") from exc
        if edge is not None and not 0 <= edge <= 1:
            raise ValidationError("The minimum edge must be between 0 and 100 %.")
        return cls(
            date=day,
            stat=resolve_stat(stat).key if stat else None,
            book=book or None,
            min_edge=edge,
            sort=sort if sort in BOARD_SORT_KEYS else "ev",
            main_only=lines != "all",
        )

    def on(self, day: dt.date) -> BoardFilters:
        """The same filters on another date."""
        return replace(self, date=day)

    @property
    def min_edge_pct(self) -> float | None:
        """The minimum edge as the percentage the form shows."""
        return None if self.min_edge is None else round(self.min_edge * 100, 2)


# ----------------------------------------------------------------------------- pricing
def board_view(container: Container, filters: BoardFilters) -> dict[str, Any]:
    """The board service's priced props for the filters, in the chosen order.

    Adds how many props were priced from the season-average fallback, which the page flags.
    """
    if filters.date is None:
        return {"date": None, "props": [], "unpriced": 0, "fallback": 0}
    priced = board_service.board(
        container,
        board_service.BoardQuery(filters.date, filters.stat, filters.book, filters.min_edge),
    )
    key, descending = BOARD_SORT_KEYS[filters.sort]
    listed = [p for p in priced["props"] if p.get("main_line", True) or not filters.main_only]
    props = sorted(listed, key=key, reverse=descending)
    fallback = sum(p.get("model_scope") == FALLBACK_SCOPE for p in props)
    return {**priced, "props": props, "fallback": fallback}


def parse_odds(text: str | None) -> float:
    """American odds typed in a form (blank: -110); the prediction service validates the range."""
    if text is None or not text.strip():
        return DEFAULT_ODDS
    try:
        return float(text)
    except ValueError as exc:
        raise ValidationError(
            f"Odds must be American odds such as -110 or +120, got {text!r}."
        ) from exc


def prediction_view(
    container: Container,
    player_id: int,
    spec: StatSpec,
    line: float,
    odds_over: str | None,
    odds_under: str | None,
) -> dict[str, Any]:
    """The prediction service's live price for a typed line at typed odds (logged like any)."""
    request = PredictionRequest(
        player=str(player_id),
        stat=spec.key,
        line=line,
        odds_over=parse_odds(odds_over),
        odds_under=parse_odds(odds_under),
    )
    return prediction_service(container).predict(request)
