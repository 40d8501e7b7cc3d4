"""Who is available for a game: the latest injury report as of a moment, and game tip-offs.

A report counts for a game when it was published at or before the game's cut-off: its tip-off
when the schedule holds it, else the end of the game's league date. Only the latest report of
each source as of that moment is read (a player it no longer lists has no status), and only if
it is at most REPORT_MAX_AGE old; when several sources report a player, the newest wins.
Reports published after the cut-off are never read, so a replay sees what was known then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from statmusepicks.core.league_clock import as_utc, day_start
from statmusepicks.data.db.models import Game, Injury, Player

# The player will not play.
OUT_STATUSES = frozenset({"out", "inactive", "suspended"})
# Counted absent among a player's teammates: a doubtful player is expected by his team not to
# play, so counting him out is the likelier roster (the priced player himself is only flagged).
ABSENT_STATUSES = OUT_STATUSES | {"doubtful"}
# The priced player may not play: his price is flagged and its confidence lowered.
UNCERTAIN_STATUSES = frozenset({"doubtful", "questionable", "day-to-day"})
# Reports are published daily; an older one no longer says who plays tonight.
REPORT_MAX_AGE = dt.timedelta(days=2)
POSTPONED = "postponed"


@dataclass(frozen=True)
class ReportedStatus:
    """A player's status in the latest report as of a moment (statuses are lower case)."""

    player_id: int
    status: str
    reported_at: dt.datetime
    source: str
    note: str | None = None

    @property
    def out(self) -> bool:
        return self.status in OUT_STATUSES

    @property
    def uncertain(self) -> bool:
        return self.status in UNCERTAIN_STATUSES


def report_cutoff(session: Session, team: str, day: dt.date) -> dt.datetime:
    """The moment reports stop counting for `team`'s game on `day` (UTC): its scheduled
    tip-off, else the end of that league date."""
    tipoff = session.scalar(
        select(Game.tipoff_at).where(
            or_(Game.home_team == team, Game.away_team == team),
            Game.game_date == day,
            Game.tipoff_at.is_not(None),
            or_(Game.status.is_(None), Game.status != POSTPONED),
        )
    )
    if tipoff is not None:
        return as_utc(tipoff)
    return day_start(day + dt.timedelta(days=1))


def _latest_rows(cutoff: dt.datetime) -> Select[int, str, dt.datetime, str, str | None]:
    """Rows of each source's latest report in (cutoff - REPORT_MAX_AGE, cutoff]."""
    moment = as_utc(cutoff)
    snapshots = (
        select(Injury.source, func.max(Injury.reported_at).label("reported_at"))
        .where(Injury.reported_at <= moment, Injury.reported_at > moment - REPORT_MAX_AGE)
        .group_by(Injury.source)
        .subquery()
    )
    return select(
        Injury.player_id, Injury.status, Injury.reported_at, Injury.source, Injury.note
    ).join(
        snapshots,
        (Injury.source == snapshots.c.source) & (Injury.reported_at == snapshots.c.reported_at),
    )


def _newest(rows: Iterable[Any]) -> dict[int, ReportedStatus]:
    """Each player's newest row (several sources may list him)."""
    found: dict[int, ReportedStatus] = {}
    for player_id, status, reported_at, source, note in rows:
        status_ = ReportedStatus(
            int(player_id), status.strip().lower(), as_utc(reported_at), source, note
        )
        held = found.get(status_.player_id)
        if held is None or (held.reported_at, held.source) < (status_.reported_at, source):
            found[status_.player_id] = status_
    return found


def latest_statuses(
    session: Session, player_ids: Iterable[int], cutoff: dt.datetime
) -> dict[int, ReportedStatus]:
    """Each listed player's status in the latest report as of `cutoff` (absent: not listed)."""
    ids = sorted(set(player_ids))
    if not ids:
        return {}
    rows = session.execute(_latest_rows(cutoff).where(Injury.player_id.in_(ids))).all()
    return _newest(rows)


def reported_absent(session: Session, team: str, day: dt.date, cutoff: dt.datetime) -> pd.DataFrame:
    """Players of a team the latest report as of `cutoff` rules out (or doubtful).

    Columns player_id, team, game_date (= `day`): the `absences` input of the feature frame.
    """
    statement = _latest_rows(cutoff).join(Player, Player.player_id == Injury.player_id)
    rows = session.execute(statement.where(Player.team == team)).all()
    absent = sorted(pid for pid, s in _newest(rows).items() if s.status in ABSENT_STATUSES)
    return pd.DataFrame({"player_id": absent, "team": team, "game_date": day})
