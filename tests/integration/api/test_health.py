"""Health and error shapes over real HTTP through the ASGI app."""

from __future__ import annotations

import httpx


async def test_health_reports_database_cache_and_latest_game(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == {"backend": "sqlite", "ok": True, "error": None}
    assert body["cache"]["ok"] is True
    assert body["data"]["latest_game_date"] == "2025-11-14"


async def test_an_unknown_route_is_a_json_404(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "error" in response.json()


async def test_a_wrong_method_is_a_json_405(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/health", content=b"{not json")
    assert response.status_code == 405
    assert response.json()["error"]


async def test_docs_and_openapi_are_served(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/docs")).status_code == 200
    assert (await anonymous.get("/openapi.json")).json()["info"]["title"] == "StatMusePicks"
