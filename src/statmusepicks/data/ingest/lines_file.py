"""`lines import FILE`: prop lines from a CSV or parquet file in the bundled prop-lines schema.

Without an odds API key this is how lines get in. The file goes through exactly the checks the
bundled load applies (bad rows quarantined with their reasons, the rest upserted), and a file
without `captured_at` gets the bundle's estimated capture time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pandas as pd
from sqlalchemy import Engine, Table

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.seasons import season_of
from statmusepicks.data.db.models import PropLine
from statmusepicks.data.ingest import schemas
from statmusepicks.data.ingest.bundled import TableReport, load_validated, with_estimated_capture
from statmusepicks.data.ingest.player_names import player_directory, resolve_player_ids
from statmusepicks.data.ingest.tracking import tracked_run

RUN_KIND = "lines_file"
REQUIRED = ("game_date", "home_team", "away_team", "player_name", "market", "bookmaker", "line")


@dataclass
class LinesImportReport:
    """What an import did."""

    run_id: int
    table: TableReport


def read_lines_file(path: Path) -> pd.DataFrame:
    """A CSV or parquet file as a frame; a clear ValidationError for anything else."""
    if not path.is_file():
        raise ValidationError(f"No such file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, dtype={"event_id": str})
        else:
            raise ValidationError(f"{path.name}: expected a .csv or .parquet file")
    except (ValueError, OSError) as exc:
        raise ValidationError(f"{path.name} could not be read: {exc}") from exc
    missing = [column for column in REQUIRED if column not in frame.columns]
    if missing:
        raise ValidationError(
            f"{path.name} lacks the prop-lines columns {missing}; see data/bundled/README.md",
            details={"missing": missing},
        )
    return frame


def prepare_lines(frame: pd.DataFrame, engine: Engine, source: str) -> pd.DataFrame:
    """Fill the optional columns a hand-made file may leave out."""
    lines = frame.copy()
    if "source" not in lines:
        lines["source"] = source
    if "season" not in lines:
        dates = pd.to_datetime(lines["game_date"], errors="coerce")
        lines["season"] = [season_of(d.date()) if pd.notna(d) else None for d in dates]
    if "commence_time" not in lines:
        lines["commence_time"] = None
    if "is_main_line" not in lines:
        lines["is_main_line"] = True
    if "player_id" not in lines or lines["player_id"].isna().any():
        resolved = resolve_player_ids(
            lines["player_name"], player_directory(engine), (lines["home_team"], lines["away_team"])
        )
        existing = lines.get("player_id")
        lines["player_id"] = resolved if existing is None else existing.fillna(resolved)
    return with_estimated_capture(lines)


def import_lines_file(engine: Engine, path: Path) -> LinesImportReport:
    """Validate and store a lines file; returns the run id and per-table counts."""
    frame = read_lines_file(path)
    with tracked_run(engine, RUN_KIND) as tracker:
        tracker.details["file"] = str(path)
        lines = prepare_lines(frame, engine, source=f"file:{path.name}"[:40])
        _, table = load_validated(
            engine, tracker.run_id, lines, schemas.PROP_LINES, cast(Table, PropLine.__table__)
        )
        tracker.add_table(table)
    return LinesImportReport(run_id=tracker.run_id, table=table)
