"""Service health: database reachable, cache reachable, how fresh the data is."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from statmusepicks import __version__
from statmusepicks.data.db.models import IngestionRun, Player, PlayerGameStats, PropLine
from statmusepicks.services.container import Container


class DatabaseHealth(BaseModel):
    """Whether the database answered, and the exception's class name when it did not."""

    backend: str = Field(examples=["postgresql", "sqlite"])
    ok: bool
    error: str | None = None


class CacheHealth(BaseModel):
    """Whether the cache answered (a down Redis falls back to the in-process cache)."""

    backend: str
    ok: bool


class IngestionSummary(BaseModel):
    """The newest ingestion run."""

    kind: str
    status: str
    started_at: dt.datetime | None


class DataFreshness(BaseModel):
    """How recent the stored data is (empty when the database did not answer)."""

    latest_game_date: dt.date | None = None
    players: int | None = None
    latest_prop_line_date: dt.date | None = None
    last_ingestion: IngestionSummary | None = None


class HealthReport(BaseModel):
    """`ok` is true when the database answers; a down cache only degrades."""

    ok: bool
    version: str
    database: DatabaseHealth
    cache: CacheHealth
    data: DataFreshness


def _freshness(container: Container) -> DataFreshness:
    with container.sessions() as session:
        last_run = session.scalar(select(IngestionRun).order_by(IngestionRun.id.desc()).limit(1))
        return DataFreshness(
            latest_game_date=session.scalar(select(func.max(PlayerGameStats.game_date))),
            players=session.scalar(select(func.count()).select_from(Player)),
            latest_prop_line_date=session.scalar(select(func.max(PropLine.game_date))),
            last_ingestion=None
            if last_run is None
            else IngestionSummary(
                kind=last_run.kind, status=last_run.status, started_at=last_run.started_at
            ),
        )


def health_report(container: Container) -> HealthReport:
    """`ok` is true when the database answers; a down cache only degrades."""
    backend = container.engine.dialect.name
    try:
        data = _freshness(container)
        database = DatabaseHealth(backend=backend, ok=True)
    except SQLAlchemyError as exc:
        data = DataFreshness()
        database = DatabaseHealth(backend=backend, ok=False, error=type(exc).__name__)
    cache = CacheHealth(backend=container.cache.backend, ok=container.cache.ping())
    return HealthReport(
        ok=database.ok, version=__version__, database=database, cache=cache, data=data
    )
