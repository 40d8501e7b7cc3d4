"""API keys, rate limits and the request time budget over real HTTP (Redis and in-process)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import redis

from statmusepicks.api.app import create_app
from statmusepicks.data.rate_limit import MemoryRateLimiter, RedisRateLimiter, make_rate_limiter
from statmusepicks.services.container import Container
from statmusepicks.services.keys import create_key, ensure_local_key, hash_key, revoke_key
from tests.conftest import REDIS_URL
from tests.integration.api.conftest import http_client

PREDICT = {"player": "Nikola Jokic", "stat": "points", "line": 27.5}


async def test_a_request_without_a_key_is_a_401(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/api/predict", json=PREDICT)
    assert response.status_code == 401
    assert "API key is required" in response.json()["error"]


async def test_an_unknown_key_is_a_401(api_container: Container) -> None:
    async for http in http_client(api_container, {"X-API-Key": "smp_not-a-real-key"}):
        response = await http.get("/api/models")
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


async def test_a_bearer_token_is_accepted(api_container: Container, api_key: str) -> None:
    async for http in http_client(api_container, {"Authorization": f"Bearer {api_key}"}):
        assert (await http.post("/api/predict", json=PREDICT)).status_code == 200


async def test_a_revoked_key_is_a_403(api_container: Container) -> None:
    created = create_key(api_container, "soon revoked")
    async for http in http_client(api_container, {"X-API-Key": created.key}):
        assert (await http.get("/api/models")).status_code == 200
        revoke_key(api_container, created.key_id)
        response = await http.get("/api/models")
        assert response.status_code == 403
        assert "revoked" in response.json()["error"]


async def test_health_docs_context_and_help_are_public(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/health")).status_code == 200
    assert (await anonymous.get("/openapi.json")).status_code == 200
    assert (await anonymous.get("/docs")).status_code == 200
    context = await anonymous.get(
        "/api/player_context", params={"player": "Nikola Jokic", "date": "2025-11-10"}
    )
    assert context.status_code == 200
    assert (await anonymous.get("/api/responsible-gambling")).status_code == 200


async def test_context_needs_a_key_when_the_setting_says_so(api_container: Container) -> None:
    api_container.settings = api_container.settings.model_copy(update={"public_context": False})
    async for http in http_client(api_container):
        response = await http.get("/api/player_context", params={"player": "Nikola Jokic"})
        assert response.status_code == 401


async def test_keys_are_stored_only_as_peppered_hashes(api_container: Container) -> None:
    created = create_key(api_container, "hash check")
    with api_container.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT key_hash, prefix FROM api_keys").all()
    hashes = {row[0] for row in stored}
    assert created.key not in hashes
    assert hash_key(api_container.settings.api_key_pepper, created.key) in hashes
    assert hash_key("another pepper", created.key) not in hashes


def test_ensure_local_is_idempotent(api_container: Container) -> None:
    first, created = ensure_local_key(api_container)
    again, created_again = ensure_local_key(api_container)
    assert created is True
    assert created_again is False
    assert first == again


async def _exhaust(container: Container, key: str, limit: int) -> httpx.Response:
    async for http in http_client(container, {"X-API-Key": key}):
        for _ in range(limit):
            assert (await http.get("/api/models")).status_code == 200
        return await http.get("/api/models")
    raise AssertionError("no client")


async def test_the_in_process_limit_answers_429_with_retry_after(
    api_container: Container, api_key: str
) -> None:
    api_container.rate_limiter = MemoryRateLimiter(3, burst=3)
    response = await _exhaust(api_container, api_key, 3)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["code"] == "rate_limited"
    other = create_key(api_container, "another client").key
    async for http in http_client(api_container, {"X-API-Key": other}):
        assert (await http.get("/api/models")).status_code == 200  # limits are per key


@pytest.mark.redis
async def test_the_redis_limit_is_shared_by_every_worker(
    api_container: Container, api_key: str, redis_skip_reason: str | None
) -> None:
    if redis_skip_reason:
        pytest.skip(reason=redis_skip_reason)
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(REDIS_URL)
    worker_a = RedisRateLimiter(client, namespace, 4, burst=4)
    worker_b = RedisRateLimiter(redis.Redis.from_url(REDIS_URL), namespace, 4, burst=4)
    assert all(worker_a.hit("worker-test:1").allowed for _ in range(2))
    assert all(worker_b.hit("worker-test:1").allowed for _ in range(2))
    refused = worker_a.hit("worker-test:1")
    assert refused.allowed is False
    assert refused.retry_after > 0
    assert worker_b.hit("worker-test:2").allowed is True
    api_container.rate_limiter = RedisRateLimiter(client, namespace, 2, burst=2)
    try:
        response = await _exhaust(api_container, api_key, 2)
        assert response.status_code == 429
        assert "Retry-After" in response.headers
    finally:
        for key in client.scan_iter(match=f"{namespace}:*"):
            client.delete(key)


def test_a_redis_outage_falls_back_to_the_in_process_limit() -> None:
    limiter = make_rate_limiter("api", 2, redis_url="redis://127.0.0.1:1/0", burst=2)
    assert [limiter.hit("key:1").allowed for _ in range(3)] == [True, True, False]


async def test_a_request_over_the_budget_is_cut_with_a_504(
    api_container: Container, api_key: str
) -> None:
    settings = api_container.settings.model_copy(update={"request_timeout_seconds": 0.05})
    app = create_app(settings, container=api_container)

    async def slow() -> dict[str, str]:
        await asyncio.sleep(1)
        return {"done": "late"}

    app.add_api_route("/api/slow", slow)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/api/slow", headers={"X-API-Key": api_key})
    assert response.status_code == 504
    assert "longer than 0.05 s" in response.json()["error"]
