"""Backtests end to end: run on a real slice, store in SQLite and PostgreSQL, serve over HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from statmusepicks.core.errors import NotFoundError, ValidationError
from statmusepicks.core.settings import Settings
from statmusepicks.services.backtests import (
    BacktestRequest,
    get_backtest,
    list_backtests,
    run_backtest,
)
from statmusepicks.services.container import Container
from statmusepicks.services.keys import create_key
from tests.environments import memory_container
from tests.integration.api.conftest import http_client

START, END = dt.date(2025, 10, 21), dt.date(2025, 10, 24)


@pytest.fixture
def container(engine: Engine, settings: Settings, bundle_dir: Path) -> Container:
    """A container over a migrated database (both backends) and the small real bundle."""
    return memory_container(settings.model_copy(update={"bundled_data_dir": bundle_dir}), engine)


@pytest.fixture
def stored(container: Container, tmp_path: Path) -> int:
    request = BacktestRequest(
        start=START, end=END, strategy="ev", source="bundled", output_dir=tmp_path / "report"
    )
    return run_backtest(container, request).id


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A client sending a valid API key (stored summaries are not public)."""
    key = create_key(container, "backtest tests").key
    async for http in http_client(container, {"X-API-Key": key}):
        yield http


def test_a_run_on_real_lines_is_stored_with_its_report(
    container: Container, stored: int, tmp_path: Path
) -> None:
    run = get_backtest(container, stored)
    assert run.synthetic is False
    assert run.summary["line_source"] == "bundled"
    assert run.summary["props"] > 0
    assert set(run.summary["strategies"]) == {"ev", "always_over", "always_under", "frontend"}
    assert (tmp_path / "report" / "report.html").exists()
    assert list_backtests(container).backtests[0].id == stored


def test_an_unknown_pricer_or_book_is_refused(container: Container) -> None:
    with pytest.raises(ValidationError):
        run_backtest(container, BacktestRequest(START, END, pricer="crystal_ball"))
    with pytest.raises(ValidationError):
        run_backtest(container, BacktestRequest(START, END, book="nobook", source="bundled"))


def test_a_missing_run_is_not_found(container: Container) -> None:
    with pytest.raises(NotFoundError):
        get_backtest(container, 999_999)


async def test_stored_runs_are_listed_and_served_in_full(
    client: httpx.AsyncClient, stored: int
) -> None:
    listing = await client.get("/api/backtests")
    assert listing.status_code == 200
    runs = listing.json()["backtests"]
    assert runs[0]["id"] == stored
    assert runs[0]["synthetic"] is False
    assert "roi" in runs[0]["strategies"]["ev"]
    response = await client.get(f"/api/backtests/{stored}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == stored
    assert body["summary"]["probability"]["overall"]["market"]["n"] > 0


async def test_stored_runs_need_an_api_key(container: Container) -> None:
    async for anonymous in http_client(container):
        response = await anonymous.get("/api/backtests")
    assert response.status_code == 401
    assert response.json()["error"]


async def test_an_unknown_run_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/backtests/424242")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "path", ["/api/backtests/abc", "/api/backtests/0", "/api/backtests?limit=0"]
)
async def test_malformed_requests_are_a_json_422(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 422
    assert response.json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/backtests?offset={2**63}",
        f"/api/backtests?offset={2**64 + 1}",
        f"/api/backtests/{2**63}",
        f"/api/backtests/{2**31}",
    ],
)
async def test_ids_and_offsets_beyond_the_database_integers_are_a_422(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_the_published_bounds_are_the_enforced_ones(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    listing = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/backtests"]["get"]["parameters"]
    }
    (run_id,) = schema["paths"]["/api/backtests/{backtest_id}"]["get"]["parameters"]
    bounds = [
        ("offset", listing["offset"]["maximum"]),
        ("limit", listing["limit"]["maximum"]),
    ]
    for name, maximum in bounds:
        assert (await client.get("/api/backtests", params={name: maximum})).status_code == 200
        too_big = await client.get("/api/backtests", params={name: maximum + 1})
        assert too_big.status_code == 422
    top = run_id["schema"]["maximum"]
    assert (await client.get(f"/api/backtests/{top}")).status_code == 404
    assert (await client.get(f"/api/backtests/{top + 1}")).status_code == 422
