"""The process's shared resources, built once from settings by an entry point."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from cachetools import TTLCache
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import Cache, make_cache
from statmusepicks.data.db.session import make_engine, make_session_factory

if TYPE_CHECKING:
    import pandas as pd

    from statmusepicks.data.rate_limit import RateLimiter
    from statmusepicks.services.serving_inputs import TeamGamesCache

# Board feature frames kept per (date, data as-of); a handful of dates are browsed at once.
BOARD_FRAMES = 32

T = TypeVar("T")


@runtime_checkable
class Closeable(Protocol):
    """A long-lived service holding something to release (a writer thread, a queue)."""

    def close(self) -> None: ...


@runtime_checkable
class DataDependent(Protocol):
    """A long-lived service holding in-process copies of stored data (feature rows)."""

    def data_changed(self) -> None:
        """Drop what the new data makes stale."""


@dataclass
class Container:
    """Settings, database, cache, and the long-lived objects the services share.

    Services that are built from the container itself (the prediction and context services)
    are held one per class by `service`, so this module needs no import of theirs; the shared
    state they read (team games, board frames, the rate limiter) has a field of its own.
    The team games are built on first use: their module imports pandas and the feature code,
    which the commands that never serve (`db`, `ingest`, `keys`) have no need to load.
    """

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    cache: Cache
    rate_limiter: RateLimiter | None = None
    board_frames: TTLCache[tuple[Any, ...], pd.DataFrame] = field(init=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _services: dict[type, object] = field(default_factory=dict, repr=False)
    _team_games: TeamGamesCache | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.board_frames = TTLCache(maxsize=BOARD_FRAMES, ttl=self.settings.cache_ttl_predictions)

    @property
    def team_games(self) -> TeamGamesCache:
        """The league's team games shared by every serving path (built once, under the lock)."""
        if self._team_games is None:
            with self.lock:
                if self._team_games is None:
                    from statmusepicks.services.serving_inputs import TeamGamesCache

                    self._team_games = TeamGamesCache()
        return self._team_games

    def data_changed(self) -> None:
        """Forget this process's copies of stored data: the board frames, the team games'
        recheck, and whatever the services built so far hold. A service not built yet holds
        nothing, so none is built here (a sync need not load the serving code)."""
        self.board_frames.clear()
        if self._team_games is not None:
            self._team_games.expire()
        for service in list(self._services.values()):
            if isinstance(service, DataDependent):
                service.data_changed()

    def service(self, kind: type[T], build: Callable[[Container], T]) -> T:
        """The container's one `kind`, built by `build` on first use (under the lock, so
        concurrent first requests build one)."""
        found = self._services.get(kind)
        if found is None:
            with self.lock:
                found = self._services.get(kind)
                if found is None:
                    found = self._services[kind] = build(self)
        assert isinstance(found, kind)
        return found

    def provide(self, service: object) -> None:
        """Use this instance as the container's service of its class (tests, benchmarks)."""
        with self.lock:
            self._services[type(service)] = service

    def close(self) -> None:
        """Close the services (the prediction log writes its queued rows), newest first, then
        release pooled connections: the services' last writes need the engine."""
        for service in reversed(list(self._services.values())):
            if isinstance(service, Closeable):
                service.close()
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
