"""Ingestion runs and their quarantined rows: every load leaves an audit trail."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd
from sqlalchemy import Engine, insert, select, update

from statmusepicks.data.db.models import IngestionRun, QuarantinedRow
from statmusepicks.data.ingest.upsert import upsert_frame

# A run started on another host is taken for dead once it has been open this long.
ABANDONED_AFTER = dt.timedelta(hours=6)


@dataclass
class RowCounts:
    """Rows a load read, inserted, updated, quarantined and flagged as outliers: kept alike for
    one table and for a whole run, so either adds into the other."""

    rows_in: int = 0
    inserted: int = 0
    updated: int = 0
    quarantined: int = 0
    flagged: int = 0

    def add(self, other: RowCounts) -> None:
        """Add `other`'s rows to these."""
        for name in ROW_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


ROW_COUNTS = tuple(counter.name for counter in fields(RowCounts))


@dataclass
class RunCounts(RowCounts):
    """Totals a run accumulates across the tables it writes."""

    details: dict[str, Any] = field(default_factory=dict)


def _owner() -> dict[str, Any]:
    """Which process runs this: what a later start checks to tell a live run from a dead one."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _is_abandoned(details: dict[str, Any], started_at: dt.datetime, now: dt.datetime) -> bool:
    """A run whose process is gone: dead on this host, or silent for ABANDONED_AFTER elsewhere."""
    owner = details.get("owner") or {}
    if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int):
        return owner["pid"] != os.getpid() and not _is_alive(owner["pid"])
    started = started_at if started_at.tzinfo else started_at.replace(tzinfo=dt.UTC)
    return now - started >= ABANDONED_AFTER


def fail_abandoned_runs(engine: Engine, kind: str) -> list[int]:
    """Mark failed the runs of `kind` left 'running' by a process that died (SIGKILL, OOM,
    power loss): its `finish_run` never ran, and an open run would read as still in progress."""
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        open_runs = connection.execute(
            select(IngestionRun.id, IngestionRun.details, IngestionRun.started_at).where(
                IngestionRun.kind == kind, IngestionRun.status == "running"
            )
        ).all()
        abandoned = [
            run_id
            for run_id, details, started in open_runs
            if _is_abandoned(details or {}, started, now)
        ]
        if abandoned:
            connection.execute(
                update(IngestionRun)
                .where(IngestionRun.id.in_(abandoned))
                .values(
                    status="failed",
                    finished_at=now,
                    errors=["abandoned: the process running it stopped before it finished"],
                )
            )
    return abandoned


def start_run(engine: Engine, kind: str) -> int:
    """Record a run as started (closing runs of its kind that a dead process left open)."""
    fail_abandoned_runs(engine, kind)
    with engine.begin() as connection:
        result = connection.execute(
            insert(IngestionRun).values(
                kind=kind,
                started_at=dt.datetime.now(dt.UTC),
                status="running",
                errors=[],
                payload_refs=[],
                details={"owner": _owner()},
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
                rows_inserted=counts.inserted,
                rows_updated=counts.updated,
                rows_quarantined=counts.quarantined,
                rows_flagged=counts.flagged,
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
