"""The process's shared resources, built once from settings by an entry point."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import Cache, make_cache
from statmusepicks.data.db.session import make_engine, make_session_factory


@dataclass
class Container:
    """Settings, database, cache, and a slot per service that wants a long-lived object."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    cache: Cache
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()


def build_container(settings: Settings, *, schema: str | None = None) -> Container:
    """Connect to the configured database and cache (nothing is queried yet)."""
    engine = make_engine(settings.database_url, schema=schema)
    return Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        cache=make_cache(settings.redis_url, settings.cache_namespace),
    )
