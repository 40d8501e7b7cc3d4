"""A container over the test database (SQLite and PostgreSQL) for the season's market jobs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import MemoryCache
from statmusepicks.data.db.session import make_session_factory
from statmusepicks.services.container import Container


@pytest.fixture
def market_container(engine: Engine, tmp_path: Path) -> Container:
    settings = Settings(
        environment="test",
        var_dir=tmp_path / "var",
        odds_api_key="test-key",
        odds_api_base_url="https://odds.test/v4",
        redis_url=None,
        _env_file=None,  # type: ignore[call-arg]
    )
    return Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        cache=MemoryCache("test-market"),
    )
