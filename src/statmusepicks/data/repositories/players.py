"""Players and their box scores: name resolution and the game logs features are built from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from statmusepicks.core.box_score import BOX_SCORE_COLUMNS
from statmusepicks.core.errors import AmbiguousError, NotFoundError, ValidationError
from statmusepicks.core.stats import normalize_name
from statmusepicks.data.db.models import (
    Game,
    Player,
    PlayerGameStats,
    TeamGameStats,
)
from statmusepicks.data.repositories.aliases import alias_table

MAX_CANDIDATES = 10
PLAYER_LOG_FIELDS = (
    "player_id", "player_name", "game_id", "game_date", "season", "season_type",
    "team_id", "team", "opp", "is_home", "min", *BOX_SCORE_COLUMNS, "plus_minus",
)  # fmt: skip


@dataclass(frozen=True)
class PlayerRef:
    """A resolved player."""

    player_id: int
    name: str
    team: str | None
    last_game_date: dt.date | None


@dataclass(frozen=True)
class ScheduledGame:
    """A game on the schedule, seen from one team."""

    game_id: str
    game_date: dt.date
    season: str
    team: str
    opp: str
    is_home: bool


def _ref(player: Player) -> PlayerRef:
    return PlayerRef(player.player_id, player.name, player.team, player.last_game_date)


def _candidates(players: Sequence[Player]) -> list[dict[str, object]]:
    ordered = sorted(players, key=lambda p: p.last_game_date or dt.date.min, reverse=True)
    return [
        {"playerId": p.player_id, "name": p.name, "team": p.team} for p in ordered[:MAX_CANDIDATES]
    ]


def resolve_player(session: Session, query: str) -> PlayerRef:
    """The player a name or NBA.com id designates, as loosely as books spell names.

    An exact (folded) name wins; then the alias table (initials with or without dots,
    suffixes with or without a period, spellings learned from stored prop lines, curated
    nicknames: "C.J. McCollum", "Nicolas Claxton"); otherwise every word of the query must
    start a word of the name ("jokic", "Nik Jokic"). Several matches raise AmbiguousError (409)
    with candidates; none raises NotFoundError (404).
    """
    text = (query or "").strip()
    if not text:
        raise ValidationError("Give a player name or id.", details={"player": query})
    if text.isdigit():
        player = session.get(Player, int(text))
        if player is None:
            raise NotFoundError(f"No player with id {text}.", details={"player": text})
        return _ref(player)
    key = normalize_name(text)
    if not key:
        raise NotFoundError(f"No player matches {text!r}.", details={"player": text})
    matches: Sequence[Player] = session.scalars(select(Player).where(Player.name_key == key)).all()
    if not matches:
        aliased = alias_table(session.connection()).lookup(text)
        matches = session.scalars(select(Player).where(Player.player_id.in_(aliased))).all()
    if not matches:
        matches = _word_prefix_matches(session, key)
    if not matches:
        raise NotFoundError(f"No player matches {text!r}.", details={"player": text})
    if len(matches) > 1:
        raise AmbiguousError(
            f"{text!r} matches {len(matches)} players; pass a fuller name or the player id.",
            details={"player": text, "candidates": _candidates(matches)},
        )
    return _ref(matches[0])


def _word_prefix_matches(session: Session, key: str) -> list[Player]:
    words = key.split()
    # Narrow in SQL on the longest word, then check every word in Python.
    anchor = max(words, key=len)
    rows = session.scalars(
        select(Player).where(
            or_(Player.name_key.like(f"{anchor}%"), Player.name_key.like(f"% {anchor}%"))
        )
    ).all()
    return [
        player
        for player in rows
        if all(any(part.startswith(word) for part in player.name_key.split()) for word in words)
    ]


def _logs(session: Session, statement: Select[Any]) -> pd.DataFrame:
    columns = [getattr(PlayerGameStats, name) for name in PLAYER_LOG_FIELDS]
    query = statement.with_only_columns(*columns).order_by(
        PlayerGameStats.game_date, PlayerGameStats.player_id
    )
    frame = pd.read_sql(query, session.connection())
    frame["game_date"] = pd.to_datetime(frame["game_date"]).dt.date
    return frame


def player_game_logs(
    session: Session,
    player_ids: Sequence[int],
    *,
    since: dt.date | None = None,
    before: dt.date | None = None,
) -> pd.DataFrame:
    """Box scores of some players (bundled column names), oldest first, in [since, before)."""
    statement = select(PlayerGameStats).where(PlayerGameStats.player_id.in_(list(player_ids)))
    if since is not None:
        statement = statement.where(PlayerGameStats.game_date >= since)
    if before is not None:
        statement = statement.where(PlayerGameStats.game_date < before)
    return _logs(session, statement)


def recent_player_game_logs(
    session: Session, player_id: int, *, before: dt.date | None, limit: int
) -> pd.DataFrame:
    """A player's last `limit` games before `before`, oldest first."""
    statement = select(PlayerGameStats.game_date).where(PlayerGameStats.player_id == player_id)
    if before is not None:
        statement = statement.where(PlayerGameStats.game_date < before)
    cutoff = session.scalar(
        statement.order_by(PlayerGameStats.game_date.desc()).offset(limit - 1).limit(1)
    )
    return player_game_logs(session, [player_id], since=cutoff, before=before)


def games_against(
    session: Session, pairs: Sequence[tuple[int, str]], *, before: dt.date, limit: int
) -> pd.DataFrame:
    """Each (player, opponent) pair's last `limit` games against that opponent before a date,
    from any season, oldest first: the matchup features look back that far, further than the
    two seasons serving reads otherwise."""
    if not pairs:
        return player_game_logs(session, [], before=before)
    games = PlayerGameStats
    chosen = tuple_(games.player_id, games.opp).in_(list(pairs))
    return _last_games(session, (games.player_id, games.opp), chosen, before, limit)


def players_recent_game_logs(
    session: Session, player_ids: Sequence[int], *, before: dt.date, limit: int
) -> pd.DataFrame:
    """Each player's last `limit` games before `before`, oldest first, in one query
    (`recent_player_game_logs` of many players)."""
    games = PlayerGameStats
    chosen = games.player_id.in_(list(player_ids))
    return _last_games(session, (games.player_id,), chosen, before, limit)


def _last_games(
    session: Session, partition: tuple[Any, ...], chosen: Any, before: dt.date, limit: int
) -> pd.DataFrame:
    """The last `limit` box scores before `before` of each `partition` group of the rows
    `chosen` selects."""
    games = PlayerGameStats
    ranked = (
        select(
            games.player_id,
            games.game_id,
            func.row_number()
            .over(partition_by=partition, order_by=games.game_date.desc())
            .label("rank"),
        )
        .where(chosen, games.game_date < before)
        .subquery()
    )
    statement = (
        select(games)
        .join(
            ranked,
            and_(games.player_id == ranked.c.player_id, games.game_id == ranked.c.game_id),
        )
        .where(ranked.c.rank <= limit)
    )
    return _logs(session, statement)


def team_player_logs(
    session: Session, team: str, season: str, *, before: dt.date | None = None
) -> pd.DataFrame:
    """Every box score of one team's players in one season (teammates-out features)."""
    statement = select(PlayerGameStats).where(
        PlayerGameStats.team == team, PlayerGameStats.season == season
    )
    if before is not None:
        statement = statement.where(PlayerGameStats.game_date < before)
    return _logs(session, statement)


def all_player_logs(session: Session) -> pd.DataFrame:
    """Every stored box score (training and the feature store)."""
    return _logs(session, select(PlayerGameStats))


def team_game_logs(session: Session) -> pd.DataFrame:
    """Every stored team game (bundled team_game_logs column names)."""
    frame = pd.read_sql(
        select(TeamGameStats).order_by(TeamGameStats.game_date, TeamGameStats.team),
        session.connection(),
    )
    frame["game_date"] = pd.to_datetime(frame["game_date"]).dt.date
    return frame


def latest_game_date(session: Session) -> dt.date | None:
    """Date of the newest stored box score."""
    return session.scalar(select(func.max(PlayerGameStats.game_date)))


def latest_team_game(session: Session) -> tuple[dt.date | None, int]:
    """Date of the newest team game and the number of team games (a cheap freshness stamp)."""
    row = session.execute(
        select(func.max(TeamGameStats.game_date), func.count()).select_from(TeamGameStats)
    ).one()
    return row[0], int(row[1])


def next_game(session: Session, team: str, on_or_after: dt.date) -> ScheduledGame | None:
    """The team's first scheduled or played game on or after a date, if the schedule has it
    (a postponed game is not played on its date)."""
    game = session.scalar(
        select(Game)
        .where(
            or_(Game.home_team == team, Game.away_team == team),
            Game.game_date >= on_or_after,
            or_(Game.status.is_(None), Game.status != "postponed"),
        )
        .order_by(Game.game_date)
        .limit(1)
    )
    if game is None:
        return None
    home = game.home_team == team
    return ScheduledGame(
        game_id=game.game_id,
        game_date=game.game_date,
        season=game.season,
        team=team,
        opp=game.away_team if home else game.home_team,
        is_home=home,
    )
