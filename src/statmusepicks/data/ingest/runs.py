"""Ingestion runs and their quarantined rows: every load leaves an audit trail."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, insert, update

from statmusepicks.data.db.models import IngestionRun, QuarantinedRow
from statmusepicks.data.ingest.upsert import upsert_frame


@dataclass
class RunCounts:
    """Totals a run accumulates across the tables it writes."""

    rows_in: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_quarantined: int = 0
    rows_flagged: int = 0
    details: dict[str, Any] = field(default_factory=dict)


def start_run(engine: Engine, kind: str) -> int:
    """Record a run as started and return its id."""
    with engine.begin() as connection:
        result = connection.execute(
            insert(IngestionRun).values(
                kind=kind,
                started_at=dt.datetime.now(dt.UTC),
                status="running",
                errors=[],
                payload_refs=[],
                details={},
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_run(
    engine: Engine,
    run_id: int,
    status: str,
    counts: RunCounts,
    *,
    errors: list[str] | None = None,
    payload_refs: list[str] | None = None,
) -> None:
    """Close a run with its status, counts, errors and raw payload references."""
    with engine.begin() as connection:
        connection.execute(
            update(IngestionRun)
            .where(IngestionRun.id == run_id)
            .values(
                finished_at=dt.datetime.now(dt.UTC),
                status=status,
                rows_in=counts.rows_in,
                rows_inserted=counts.rows_inserted,
                rows_updated=counts.rows_updated,
                rows_quarantined=counts.rows_quarantined,
                rows_flagged=counts.rows_flagged,
                errors=errors or [],
                payload_refs=payload_refs or [],
                details=counts.details,
            )
        )


def quarantine(engine: Engine, run_id: int | None, table: str, rejected: pd.DataFrame) -> int:
    """Store rejected rows with their reasons; the same row and reason is kept once."""
    if rejected.empty:
        return 0
    frame = rejected.assign(
        table_name=table,
        run_id=run_id,
        raw=[json.dumps(raw, default=str) for raw in rejected["raw"]],
    )
    frame = frame.drop_duplicates(["row_key", "reason"])
    result = upsert_frame(
        engine,
        QuarantinedRow.__table__,  # type: ignore[arg-type]
        frame[["run_id", "table_name", "reason", "raw", "row_key"]],
        key=("table_name", "row_key", "reason"),
        update_columns=(),
    )
    return result.inserted
