"""Injury reports into the `injuries` table, from any provider that yields a frame.

Today the provider is a CSV file (`injuries import FILE`); a commercial feed is one more class
with a `name` and a `fetch()` returning the same columns. Rows are matched to players by id or,
failing that, by name, and validated like every other load (unknown player or status ->
quarantine, the rest kept). A provider re-sending the same day's report changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

import pandas as pd
from sqlalchemy import Engine, Table

from statmusepicks.core.errors import ValidationError
from statmusepicks.data.db.models import Injury
from statmusepicks.data.ingest import schemas
from statmusepicks.data.ingest.bundled import TableReport, load_validated
from statmusepicks.data.ingest.player_names import player_directory, resolve_player_ids
from statmusepicks.data.ingest.tracking import tracked_run

RUN_KIND = "injuries"
# Feeds abbreviate; the table keeps the long form the schema accepts.
STATUS_ALIASES = {"gtd": "day-to-day", "dtd": "day-to-day", "o": "out", "q": "questionable"}


class InjuryProvider(Protocol):
    """A source of injury reports: player (id or name), report date, status, note."""

    name: str

    def fetch(self) -> pd.DataFrame:
        """Columns: `player_id` and/or `player_name`, `report_date` (or `date`), `status`,
        optional `note` and `team`."""
        ...


@dataclass
class CsvInjuryProvider:
    """Injury reports from a CSV file."""

    path: Path
    name: str = "csv"

    def fetch(self) -> pd.DataFrame:
        """The file as a frame; a clear ValidationError when it cannot be used."""
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


def prepare_injuries(frame: pd.DataFrame, engine: Engine, source: str) -> pd.DataFrame:
    """Resolve names to ids, normalise statuses, stamp the source."""
    if "player_id" not in frame and "player_name" not in frame:
        raise ValidationError("injury report needs a player_id or player_name column")
    rows = frame.copy()
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


def import_injuries(engine: Engine, provider: InjuryProvider) -> InjuryImportReport:
    """Fetch a provider's report, validate it and upsert it into `injuries`."""
    frame = provider.fetch()
    with tracked_run(engine, RUN_KIND) as tracker:
        tracker.details["provider"] = provider.name
        rows = prepare_injuries(frame, engine, provider.name)
        _, table = load_validated(
            engine, tracker.run_id, rows, schemas.INJURIES, cast(Table, Injury.__table__)
        )
        tracker.add_table(table)
    return InjuryImportReport(run_id=tracker.run_id, table=table)
