"""Injury reports into the `injuries` table, from any provider that yields a frame.

Two providers exist: a CSV file (`injuries import FILE`) and the league's official report
(`data/ingest/injury_report.py`); another feed is one more class with a `name` and a
`fetch(as_of)` returning the same columns. Every row carries the time of the report it comes
from (`reported_at`; a CSV row with only a date is stamped at the start of that league date),
and rows stamped after the import's as-of are not read, so a replayed day imports only what
was published by then. Rows are matched to players by id or, failing that, by name (and team),
and validated like every other load (unknown player or status -> quarantine, the rest kept).
Re-importing the same report changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

import pandas as pd
from sqlalchemy import Engine, Table

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.league_clock import LEAGUE_ZONE, as_utc
from statmusepicks.data.clients.upstream import EndpointCalls
from statmusepicks.data.db.models import Injury
from statmusepicks.data.ingest import schemas
from statmusepicks.data.ingest.bundled import TableReport, load_validated
from statmusepicks.data.ingest.player_names import player_directory, resolve_player_ids
from statmusepicks.data.ingest.tracking import tracked_run

RUN_KIND = "injuries"
# Feeds abbreviate; the table keeps the long form the schema accepts.
STATUS_ALIASES = {"gtd": "day-to-day", "dtd": "day-to-day", "o": "out", "q": "questionable"}


class InjuryProvider(Protocol):
    """A source of injury reports: player (id or name), report time, status, note."""

    name: str

    def fetch(self, as_of: dt.datetime | None) -> pd.DataFrame:
        """Columns: `player_id` and/or `player_name`, `reported_at` and/or `report_date`
        (or `date`), `status`, optional `note` and `team`; nothing published after `as_of`
        is needed (rows stamped later are dropped anyway)."""
        ...


@dataclass
class CsvInjuryProvider:
    """Injury reports from a CSV file."""

    path: Path
    name: str = "csv"

    def fetch(self, as_of: dt.datetime | None = None) -> pd.DataFrame:  # noqa: ARG002
        """The whole file as a frame (its rows stamped after the as-of are dropped by
        `prepare_injuries`); a clear ValidationError when it cannot be used."""
        if not self.path.is_file():
            raise ValidationError(f"No such file: {self.path}")
        try:
            frame = pd.read_csv(self.path)
        except (ValueError, OSError) as exc:
            raise ValidationError(f"{self.path.name} could not be read: {exc}") from exc
        return frame.rename(columns={"date": "report_date", "player": "player_name"})


@dataclass
class InjuryImportReport:
    """What an import did."""

    run_id: int
    table: TableReport
    reported_at: dt.datetime | None = None


def report_times(rows: pd.DataFrame) -> pd.DataFrame:
    """Both `reported_at` (UTC) and `report_date` (its league date): a row with only a date is
    stamped at the start of that date in New York, a row with only a time gets its date."""
    rows = rows.copy()
    if "reported_at" not in rows and "report_date" not in rows:
        raise ValidationError("injury report needs a reported_at or report_date column")
    if "reported_at" in rows:
        stamps = pd.to_datetime(rows["reported_at"], utc=True, errors="coerce")
    else:
        stamps = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns, UTC]")
    if "report_date" in rows:
        days = pd.to_datetime(rows["report_date"], errors="coerce")
        starts = days.dt.tz_localize(LEAGUE_ZONE, ambiguous="NaT", nonexistent="NaT")
        stamps = stamps.fillna(starts.dt.tz_convert("UTC"))
    rows["reported_at"] = stamps
    if "report_date" not in rows:
        rows["report_date"] = stamps.dt.tz_convert(LEAGUE_ZONE).dt.date
    return rows


def prepare_injuries(
    frame: pd.DataFrame, engine: Engine, source: str, as_of: dt.datetime | None = None
) -> pd.DataFrame:
    """Resolve names to ids, normalise statuses, stamp report times and the source, and drop
    rows published after `as_of`."""
    if "player_id" not in frame and "player_name" not in frame:
        raise ValidationError("injury report needs a player_id or player_name column")
    rows = report_times(frame)
    if as_of is not None:
        rows = rows[~(rows["reported_at"] > as_utc(as_of))]
    if "player_name" in rows:
        teams = (rows["team"], rows["team"]) if "team" in rows else None
        resolved = resolve_player_ids(rows["player_name"], player_directory(engine), teams)
        given = rows.get("player_id", None)
        rows["player_id"] = resolved if given is None else given.where(given.notna(), resolved)
    if "status" in rows:
        status = rows["status"].astype("string").str.strip().str.lower()
        rows["status"] = status.replace(STATUS_ALIASES)
    rows["source"] = rows.get("source", source)
    return rows


def import_injuries(
    engine: Engine,
    provider: InjuryProvider,
    as_of: dt.datetime | None = None,
    calls: EndpointCalls | None = None,
) -> InjuryImportReport:
    """Fetch a provider's report as of a moment, validate it and upsert it into `injuries`.

    `calls`: the counts of the upstream client a live provider reads through. Its fetch then
    happens inside the run, which stores its requests per endpoint, and a failed request
    leaves a failed run; a file that cannot be read is a usage error and leaves none.
    """
    frame = provider.fetch(as_of) if calls is None else None
    with tracked_run(engine, RUN_KIND, calls) as tracker:
        if frame is None:
            frame = provider.fetch(as_of)
        tracker.details["provider"] = provider.name
        rows = prepare_injuries(frame, engine, provider.name, as_of)
        newest = rows["reported_at"].max() if len(rows) else None
        if newest is not None and pd.notna(newest):
            tracker.details["reported_at"] = newest.isoformat()
        _, table = load_validated(
            engine, tracker.run_id, rows, schemas.INJURIES, cast(Table, Injury.__table__)
        )
        tracker.add_table(table)
    stamp = newest.to_pydatetime() if newest is not None and pd.notna(newest) else None
    return InjuryImportReport(run_id=tracker.run_id, table=table, reported_at=stamp)
