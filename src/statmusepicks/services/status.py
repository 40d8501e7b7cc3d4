"""Service health: database reachable, cache reachable, how fresh the data is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from statmusepicks import __version__
from statmusepicks.data.db.models import IngestionRun, Player, PlayerGameStats, PropLine
from statmusepicks.services.container import Container


def health_report(container: Container) -> dict[str, Any]:
    """`ok` is true when the database answers; a down cache only degrades."""
    database: dict[str, Any] = {"backend": container.engine.dialect.name}
    data: dict[str, Any] = {}
    try:
        with container.sessions() as session:
            data["latest_game_date"] = session.scalar(select(func.max(PlayerGameStats.game_date)))
            data["players"] = session.scalar(select(func.count()).select_from(Player))
            data["latest_prop_line_date"] = session.scalar(select(func.max(PropLine.game_date)))
            last_run = session.scalar(
                select(IngestionRun).order_by(IngestionRun.id.desc()).limit(1)
            )
            data["last_ingestion"] = (
                None
                if last_run is None
                else {
                    "kind": last_run.kind,
                    "status": last_run.status,
                    "started_at": last_run.started_at,
                }
            )
        database["ok"] = True
    except SQLAlchemyError as exc:
        database.update(ok=False, error=type(exc).__name__)
    cache = {"backend": container.cache.backend, "ok": container.cache.ping()}
    return {
        "ok": bool(database["ok"]),
        "version": __version__,
        "database": database,
        "cache": cache,
        "data": data,
    }
