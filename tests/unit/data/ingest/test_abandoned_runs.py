"""Runs left 'running' by a process that died are closed as failed when the next run starts."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess

from sqlalchemy import Engine, insert, select

from statmusepicks.data.db.models import IngestionRun
from statmusepicks.data.ingest.runs import ABANDONED_AFTER, start_run


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _open_run(engine: Engine, owner: dict[str, object], started: dt.datetime) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            insert(IngestionRun).values(
                kind="nba",
                started_at=started,
                status="running",
                errors=[],
                payload_refs=[],
                details={"owner": owner},
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def _status(engine: Engine, run_id: int) -> str:
    with engine.connect() as connection:
        return str(
            connection.execute(
                select(IngestionRun.status).where(IngestionRun.id == run_id)
            ).scalar_one()
        )


def test_only_runs_whose_process_is_gone_are_failed(sqlite_engine: Engine) -> None:
    now = dt.datetime.now(dt.UTC)
    here = socket.gethostname()
    dead = _open_run(sqlite_engine, {"host": here, "pid": _dead_pid()}, now)
    live = _open_run(sqlite_engine, {"host": here, "pid": os.getppid()}, now)
    old_elsewhere = _open_run(sqlite_engine, {"host": "other", "pid": 1}, now - ABANDONED_AFTER)
    recent_elsewhere = _open_run(sqlite_engine, {"host": "other", "pid": 1}, now)
    other_kind = _open_run(sqlite_engine, {"host": here, "pid": _dead_pid()}, now)
    with sqlite_engine.begin() as connection:
        connection.execute(
            IngestionRun.__table__.update()  # type: ignore[attr-defined]
            .where(IngestionRun.id == other_kind)
            .values(kind="odds")
        )

    new = start_run(sqlite_engine, "nba")

    assert _status(sqlite_engine, dead) == "failed"
    assert _status(sqlite_engine, old_elsewhere) == "failed"
    assert _status(sqlite_engine, live) == "running"
    assert _status(sqlite_engine, recent_elsewhere) == "running"
    assert _status(sqlite_engine, other_kind) == "running"
    assert _status(sqlite_engine, new) == "running"
