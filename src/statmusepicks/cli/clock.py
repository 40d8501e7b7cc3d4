"""The command line's clock: `--as-of` parsed into the moment a job runs as of.

The edge is the one place that reads the wall clock; everything below is handed the time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import typer

from statmusepicks.core.settings import Settings

AS_OF_HELP = (
    "Run as of this moment (YYYY-MM-DD = midnight that day, or YYYY-MM-DDTHH:MM) in "
    "SYNC_TIMEZONE; nothing stamped later is read. Default: now."
)


def now() -> dt.datetime:
    """The wall clock, in UTC."""
    return dt.datetime.now(dt.UTC)


def parse_as_of(value: str | None, settings: Settings) -> dt.datetime:
    """`--as-of` as a tz-aware UTC time (a date is midnight of that day; naive times are in
    SYNC_TIMEZONE); the wall clock when absent."""
    if value is None:
        return now()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date or time (YYYY-MM-DD[THH:MM])") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.sync_timezone))
    return parsed.astimezone(dt.UTC)


def is_whole_day(value: str) -> bool:
    """True when `--as-of` names a day rather than a moment."""
    return "T" not in value and " " not in value and len(value) == 10
