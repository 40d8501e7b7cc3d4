"""Security headers, the request body limit and the published security schemes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from statmusepicks.api.app import create_app
from statmusepicks.services.container import Container
from tests.integration.api.conftest import http_client


async def test_every_answer_forbids_sniffing_and_framing(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/health"),
        await client.get("/api/nothing-here"),
        await client.post("/api/predict", json={"player": "Nikola Jokic"}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_dashboard_pages_carry_a_content_security_policy(client: httpx.AsyncClient) -> None:
    page = await client.get("/responsible-gambling")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    # Swagger UI loads from its CDN: the docs keep the browser's defaults.
    assert "content-security-policy" not in (await client.get("/docs")).headers
    assert "content-security-policy" not in (await client.get("/health")).headers


async def test_hsts_only_over_tls(client: httpx.AsyncClient) -> None:
    behind_proxy = await client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert behind_proxy.headers["strict-transport-security"].startswith("max-age=31536000")
    assert (
        "strict-transport-security"
        not in (await client.get("/health", headers={"X-Forwarded-Proto": "http"})).headers
    )


@pytest.fixture
async def small_limit(api_container: Container, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    limited = api_container.settings.model_copy(update={"max_request_body_bytes": 2048})
    api_container.settings = limited
    async for http in http_client(api_container, {"X-API-Key": api_key}):
        yield http


async def test_a_body_over_the_limit_is_a_json_413(small_limit: httpx.AsyncClient) -> None:
    item = {"player": "Nikola Jokic", "stat": "points", "line": 27.5}
    declared = await small_limit.post("/api/batch_predict", json=[item] * 60)
    assert declared.status_code == 413
    assert declared.json()["code"] == "payload_too_large"
    assert declared.json()["max_bytes"] == 2048

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
        yield b"["
        for _ in range(100):
            yield b'{"player": "Nikola Jokic", "stat": "points", "line": 27.5},'
        yield b"{}]"

    streamed = await small_limit.post(
        "/api/batch_predict", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "payload_too_large"
    small = await small_limit.post("/api/predict", json=item)
    assert small.status_code == 200


def test_the_schema_publishes_the_key_schemes_on_protected_operations(
    api_container: Container,
) -> None:
    schema = create_app(api_container.settings, container=api_container).openapi()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": schemes["ApiKey"]["description"],
    }
    assert schemes["Bearer"]["scheme"] == "bearer"
    protected = schema["paths"]["/api/predict"]["post"]["security"]
    assert {"ApiKey": []} in protected
    assert {"Bearer": []} in protected
    assert "security" not in schema["paths"]["/health"]["get"]
    assert "security" not in schema["paths"]["/api/responsible-gambling"]["get"]


async def test_the_key_check_still_answers_401_and_403_in_json(
    anonymous: httpx.AsyncClient,
) -> None:
    missing = await anonymous.post("/api/predict", json={"player": "Nikola Jokic"})
    assert missing.status_code == 401
    assert missing.json()["code"]
    wrong = await anonymous.get("/api/models", headers={"Authorization": "Bearer smp_nope"})
    assert wrong.status_code == 401
