"""Health and error shapes over real HTTP through the ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from statmusepicks.services.container import Container
from tests.integration.api.conftest import http_client


@pytest.fixture
async def client(loaded_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async for http in http_client(loaded_container):
        yield http


async def test_health_reports_database_cache_and_latest_game(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == {"backend": "sqlite", "ok": True, "error": None}
    assert body["cache"]["ok"] is True
    assert body["data"]["latest_game_date"] == "2025-11-14"


async def test_an_unknown_route_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "error" in response.json()


async def test_a_wrong_method_is_a_json_405(client: httpx.AsyncClient) -> None:
    response = await client.post("/health", content=b"{not json")
    assert response.status_code == 405
    assert response.json()["error"]


async def test_docs_and_openapi_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "StatMusePicks"
