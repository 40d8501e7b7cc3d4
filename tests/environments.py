"""Test environments: settings in a private directory, migrated and loaded SQLite files, a
container over an in-process cache of its own, an NBA.com client of a local stand-in, and the
process environment the CLI reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import Engine, text

from statmusepicks.core.settings import Settings, get_settings
from statmusepicks.data.cache import MemoryCache
from statmusepicks.data.clients.nba_stats import NBAStatsClient
from statmusepicks.data.clients.upstream import RetryPolicy
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.session import (
    STATEMENT_TIMEOUT_SECONDS,
    make_engine,
    make_session_factory,
)
from statmusepicks.data.ingest.bundled import load_bundled
from statmusepicks.services.container import Container


def isolated_settings(var_dir: Path, **overrides: Any) -> Settings:
    """Settings of the test environment that read no `.env` file and use no Redis."""
    fields: dict[str, Any] = {"redis_url": None, **overrides}
    return Settings(environment="test", var_dir=var_dir, _env_file=None, **fields)  # type: ignore[call-arg]


def nba_client(base_url: str, var_dir: Path, **retry: Any) -> NBAStatsClient:
    """An NBA.com client of a local stand-in at `base_url` that neither paces its requests
    nor sleeps between retries (`retry` overrides the other RetryPolicy fields)."""
    settings = isolated_settings(
        var_dir, nba_api_base_url=base_url, nba_api_requests_per_minute=6000
    )
    return NBAStatsClient.from_settings(settings, retry=RetryPolicy(sleep=lambda _: None, **retry))


def memory_container(
    settings: Settings, engine: Engine | None = None, *, namespace: str = "test"
) -> Container:
    """A container over `engine` (by default a new one on the configured database) whose
    cache is in-process under a fresh namespace, so no two tests share cached entries."""
    engine = engine if engine is not None else make_engine(settings.database_url)
    return Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        cache=MemoryCache(f"{namespace}-{uuid.uuid4().hex[:8]}"),
    )


def migrated_sqlite(path: Path) -> str:
    """Create and migrate a SQLite file at `path`; returns its URL."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def load_sqlite(path: Path, bundle: Path) -> Path:
    """Migrate a SQLite file at `path` and load the bundled files of `bundle` into it."""
    engine = make_engine(migrated_sqlite(path))
    load_bundled(engine, bundle)
    engine.dispose()
    return path


@contextmanager
def postgres_schema(
    url: str, *, statement_timeout: float | None = STATEMENT_TIMEOUT_SECONDS
) -> Iterator[Engine]:
    """A migrated PostgreSQL schema of its own on the server at `url`, dropped afterwards
    (`statement_timeout`: the engine's, see `make_engine`; None for no limit)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(url, schema=schema, statement_timeout=statement_timeout)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def copy_sqlite(source: Path, target: Path) -> str:
    """Copy a loaded SQLite file so that a test may write to it; returns the copy's URL."""
    target.write_bytes(source.read_bytes())
    return f"sqlite:///{target}"


@contextmanager
def cli_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[str]:
    """Point the CLI at a fresh migrated database in `tmp_path` (and at the `env` overrides);
    yields the database URL. The cached settings are dropped on the way in and out, and
    structlog is reset on the way out: the CLI pointed it at the runner's captured stream,
    which is closed once the runner returns."""
    url = migrated_sqlite(tmp_path / "cli.db")
    variables = {"DATABASE_URL": url, "VAR_DIR": str(tmp_path / "var"), "REDIS_URL": "", **env}
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        yield url
    finally:
        get_settings.cache_clear()
        structlog.reset_defaults()
