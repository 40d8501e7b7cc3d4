"""The player page's data: name search, the default line, recent games against it, a live price.

Read-only except the live price, which the prediction service logs like any other prediction.
Values come back as plain dicts the templates lay out.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import or_, select

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import StatSpec, normalize_name
from statmusepicks.data.db.models import Player, PropLine
from statmusepicks.data.repositories import players as players_repo
from statmusepicks.services.container import Container
from statmusepicks.services.context import MAX_LIMIT, ContextQuery, context_service
from statmusepicks.services.prediction_request import DEFAULT_ODDS, parse_item
from statmusepicks.services.predictions import prediction_service

SEARCH_LIMIT = 8
# The chart shows the last 20 games: the longest hit-rate window.
CHART_GAMES = 20


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
        average = probe.rolling_averages.sma10 or probe.season_avg or 0.5
        line = max(0.5, math.floor(average) + 0.5)
        source = "near the 10-game average"
    context = service.player_context(
        ContextQuery(player=name, stat=spec.key, limit=MAX_LIMIT, line=line)
    ).model_dump(mode="json", by_alias=True)
    next_game = context.get("nextGame") or {}
    return {
        "context": context,
        "line": line,
        "line_source": source,
        "max_line": spec.max_line,
        "chart": games_chart(context["recentGames"], line, spec.label),
        "opponent_hits": opponent_hit_rate(context["recentGames"], next_game.get("opponent"), line),
    }


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
    request = parse_item(
        {
            "player": str(player_id),
            "stat": spec.key,
            "line": line,
            "odds_over": parse_odds(odds_over),
            "odds_under": parse_odds(odds_under),
        }
    )
    return prediction_service(container).predict(request)
