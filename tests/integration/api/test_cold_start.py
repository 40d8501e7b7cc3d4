"""A fresh process answers its first concurrent predictions while other processes keep the
shared stores busy, and says when it is ready.

Quick, in-process version of tests/reliability/test_restart_under_load.py: the app starts
(its lifespan warms up) while a writer holds long transactions on the same SQLite file and
the MLflow store is exclusively locked with its creation lock held; then eight first requests
go at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from statmusepicks.api.app import create_app
from statmusepicks.models.bundle import StatModel
from statmusepicks.services.container import Container
from statmusepicks.services.keys import create_key
from statmusepicks.services.warmup import PARTS, serving_state
from tests.integration.api.conftest import http_client, register_on_disk
from tests.stores_busy import stores_busy

STATS = ("points", "rebounds", "assists", "threes")
# A cold request reads a few hundred rows: seconds at worst on a loaded CI box, never 30.
BOUND_SECONDS = 15.0


@pytest.fixture
def cold_container(loaded_container: Container, served_models: list[StatModel]) -> Container:
    """A container whose champions are on disk but not loaded: a process that just started."""
    register_on_disk(loaded_container, served_models)
    return loaded_container


def _first_requests(client: httpx.AsyncClient, key: str) -> list[asyncio.Task[httpx.Response]]:
    return [
        asyncio.create_task(
            client.post(
                "/api/predict",
                headers={"X-API-Key": key},
                json={"player": "Nikola Jokic", "stat": STATS[i % 4], "line": 2.5 + i % 3},
            )
        )
        for i in range(8)
    ]


async def _started(app_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(app_container.settings, container=app_container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_first_requests_beside_busy_stores_all_succeed_quickly(
    cold_container: Container,
) -> None:
    settings = cold_container.settings
    key = create_key(cold_container, "cold").key
    store = Path(settings.mlflow_tracking_uri.removeprefix("sqlite:///"))
    store.parent.mkdir(parents=True, exist_ok=True)
    with stores_busy(settings.database_url, store):
        started = time.monotonic()
        clients = _started(cold_container)
        client = await asyncio.wait_for(anext(clients), BOUND_SECONDS)
        responses = await asyncio.wait_for(
            asyncio.gather(*_first_requests(client, key)), BOUND_SECONDS
        )
        elapsed = time.monotonic() - started
        await clients.aclose()
    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    assert elapsed < BOUND_SECONDS
    assert serving_state(cold_container).loaded == set(PARTS)


async def test_readiness_reports_what_is_missing_then_ready(cold_container: Container) -> None:
    async for client in http_client(cold_container):
        # No lifespan ran: nothing is loaded, and the probe starts the warm-up.
        response = await client.get("/health/ready")
        assert response.status_code == 503
        assert set(response.json()["missing"]) == set(PARTS)
        deadline = time.monotonic() + BOUND_SECONDS
        while response.status_code != 200 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            response = await client.get("/health/ready")
        body = response.json()
        assert response.status_code == 200, body
        assert body["ok"] is True
        assert body["missing"] == []
        assert body["models"] == 5


def test_concurrent_warm_ups_load_each_part_once(
    cold_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from statmusepicks.services import warmup

    calls: list[str] = []
    for part, step in list(warmup.STEPS.items()):

        def counted(container: Container, part: str = part, step=step) -> None:  # type: ignore[no-untyped-def]
            calls.append(part)
            time.sleep(0.05)
            step(container)

        monkeypatch.setitem(warmup.STEPS, part, counted)
    with ThreadPoolExecutor(8) as pool:
        reports = list(pool.map(lambda _i: warmup.warm_up(cold_container), range(8)))
    assert sorted(calls) == sorted(PARTS)
    assert all(report.ok for report in reports)
