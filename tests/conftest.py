"""Shared fixtures: real SQLite and PostgreSQL databases, real Redis and in-process caches."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import Cache, MemoryCache, RedisCache
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.session import make_engine, make_session_factory
from statmusepicks.services.container import Container
from tests import factories
from tests.environments import (
    copy_sqlite,
    isolated_settings,
    load_sqlite,
    memory_container,
    postgres_schema,
)

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _postgres_available() -> str | None:
    try:
        probe = create_engine(POSTGRES_URL)
        with probe.connect() as connection:
            connection.execute(text("SELECT 1"))
        probe.dispose()
    except OperationalError as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}"
    return None


def _redis_available() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError as exc:
        return f"Redis not reachable at {REDIS_URL}: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_skip_reason() -> str | None:
    return _postgres_available()


@pytest.fixture(scope="session")
def redis_skip_reason() -> str | None:
    return _redis_available()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated in a temporary directory (SQLite file, MLflow store, artifacts)."""
    return isolated_settings(
        tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'var' / 'test.db'}"
    )


@pytest.fixture
def postgres_engine(postgres_skip_reason: str | None) -> Iterator[Engine]:
    """A migrated PostgreSQL schema of its own, dropped afterwards."""
    if postgres_skip_reason:
        pytest.skip(postgres_skip_reason)
    with postgres_schema(POSTGRES_URL) as engine:
        yield engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Every storage test runs on SQLite and on PostgreSQL."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    return request.getfixturevalue(fixture)  # type: ignore[no-any-return]


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def redis_cache(redis_skip_reason: str | None) -> Iterator[RedisCache]:
    """A Redis cache under a namespace of its own, emptied afterwards."""
    if redis_skip_reason:
        pytest.skip(redis_skip_reason)
    cache = RedisCache(REDIS_URL, f"test-{uuid.uuid4().hex[:8]}")
    yield cache
    cache.delete_prefix("")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request: pytest.FixtureRequest) -> Cache:
    """Every cache test runs on Redis and on the in-process cache."""
    if request.param == "memory":
        return MemoryCache(f"test-{uuid.uuid4().hex[:8]}")
    return request.getfixturevalue("redis_cache")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real bundle (four teams, three seasons) in the bundled file layout."""
    return factories.write_bundle(tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="session")
def loaded_sqlite_url(tmp_path_factory: pytest.TempPathFactory, bundle_dir: Path) -> str:
    """A SQLite database file with the small real bundle loaded (built once per session)."""
    path = load_sqlite(tmp_path_factory.mktemp("loaded") / "loaded.db", bundle_dir)
    return f"sqlite:///{path}"


@pytest.fixture
def loaded_settings(settings: Settings, loaded_sqlite_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at a private copy of the loaded database."""
    source = Path(loaded_sqlite_url.removeprefix("sqlite:///"))
    url = copy_sqlite(source, tmp_path / "loaded.db")
    return settings.model_copy(update={"database_url": url})


@pytest.fixture
def loaded_container(loaded_settings: Settings) -> Iterator[Container]:
    """A container over a loaded database and an in-process cache."""
    container = memory_container(loaded_settings)
    yield container
    container.close()
