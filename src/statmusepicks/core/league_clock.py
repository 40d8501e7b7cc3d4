"""The league's clock: NBA dates and report stamps are New York times, storage is UTC.

A game's date, the injury report's file stamps and the schedule's `gameDateEst` are all in
New York time; tip-offs and report times are stored in UTC. SQLite keeps no zone with a
timestamp, so every time written or compared is converted to UTC first (`as_utc`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LEAGUE_ZONE = ZoneInfo("America/New_York")


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A timestamp in UTC; a naive one (as SQLite returns them) is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight in New York at the start of a league date, in UTC."""
    return dt.datetime.combine(day, dt.time(), LEAGUE_ZONE).astimezone(dt.UTC)


def league_date(moment: dt.datetime) -> dt.date:
    """The league date (New York) of a moment."""
    return as_utc(moment).astimezone(LEAGUE_ZONE).date()
