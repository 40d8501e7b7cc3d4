"""Which errors count as a database outage, and the answer an outage gets (default suite).

The database here is a PostgreSQL URL on a port nothing listens on: every connection attempt is
refused at once, as during a restart of the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from statmusepicks.api.app import create_app
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.session import is_database_outage, make_engine
from tests.environments import memory_container
from tests.reliability.servers import free_port


def _wrapped_by_pandas(engine_url: str) -> BaseException:
    engine = make_engine(engine_url)
    try:
        pd.read_sql(text("SELECT 1"), engine)
    except Exception as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("the query should have failed")


def test_connection_failures_and_pool_timeouts_are_outages_and_bugs_are_not() -> None:
    refused = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none"
    assert is_database_outage(OperationalError("SELECT 1", {}, Exception("refused")))
    assert is_database_outage(PoolTimeoutError("pool exhausted"))
    assert is_database_outage(_wrapped_by_pandas(refused))
    assert not is_database_outage(ProgrammingError("SELECT nope", {}, Exception("syntax")))
    assert not is_database_outage(IntegrityError("INSERT", {}, Exception("duplicate")))
    assert not is_database_outage(ValueError("unrelated"))


@pytest.fixture
async def unreachable(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none"
    container = memory_container(settings.model_copy(update={"database_url": url}))
    app = create_app(container.settings, container=container)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client
    container.close()


async def test_a_route_reading_an_unreachable_database_answers_503_with_retry_after(
    unreachable: httpx.AsyncClient,
) -> None:
    response = await unreachable.get(
        "/api/player_context", params={"player": "Nikola Jokic", "stat": "points"}
    )
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["code"] == "database_unavailable"


async def test_a_key_check_against_an_unreachable_database_answers_503(
    unreachable: httpx.AsyncClient,
) -> None:
    response = await unreachable.get("/api/backtests", headers={"X-API-Key": "smp_unknown"})
    assert response.status_code == 503
    assert response.headers["retry-after"]
