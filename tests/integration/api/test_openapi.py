"""The published OpenAPI document is the contract: typed answers, one error shape, real bounds."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from statmusepicks.api.app import create_app
from statmusepicks.api.middleware import ALWAYS_PUBLIC
from statmusepicks.api.routes import (
    alerts,
    backtests,
    context,
    health,
    models,
    responsible_gambling,
    track_record,
)
from statmusepicks.core.settings import Settings

TYPED_ROUTERS = (
    *(m.router for m in (alerts, backtests, context, health, models, responsible_gambling)),
    track_record.router,
    track_record.proof_router,
)
# Served without a key, so the schema lists no key errors for them.
PUBLIC_PATHS = {"/health", "/health/ready", *ALWAYS_PUBLIC}
# Answers that are files for other tools, declared with their media type instead of a model.
FILE_ANSWERS = {("/api/track_record/export.csv", "get"): "text/csv"}


@pytest.fixture
def schema(settings: Settings) -> dict[str, Any]:
    return create_app(settings).openapi()


def _operations() -> list[tuple[str, str]]:
    return [
        (route.path, method.lower())
        for router in TYPED_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    ]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    return dict(schema["components"]["schemas"][ref.rsplit("/", 1)[-1]])


def _is_typed(schema: dict[str, Any], node: dict[str, Any]) -> bool:
    """A schema that names its fields (an object with properties, or an array or union of such)."""
    node = _resolve(schema, node)
    if "items" in node:
        return _is_typed(schema, node["items"])
    if "anyOf" in node:
        return all(_is_typed(schema, option) for option in node["anyOf"])
    return bool(node.get("properties"))


def test_every_typed_route_is_in_the_schema(schema: dict[str, Any]) -> None:
    operations = _operations()
    assert len(operations) == 15
    for path, method in operations:
        assert method in schema["paths"][path], (path, method)


@pytest.mark.parametrize(("path", "method"), _operations())
def test_every_answer_has_a_typed_schema(schema: dict[str, Any], path: str, method: str) -> None:
    content = schema["paths"][path][method]["responses"]["200"]["content"]
    if (path, method) in FILE_ANSWERS:
        assert FILE_ANSWERS[(path, method)] in content
        return
    assert _is_typed(schema, content["application/json"]["schema"]), (path, method)


@pytest.mark.parametrize(("path", "method"), _operations())
def test_every_error_answer_shows_the_json_error_shape(
    schema: dict[str, Any], path: str, method: str
) -> None:
    responses = schema["paths"][path][method]["responses"]
    errors = {status: body for status, body in responses.items() if status.startswith("4")}
    if path not in PUBLIC_PATHS:
        assert {"401", "403", "429"} <= set(errors)
    for body in errors.values():
        shape = _resolve(schema, body["content"]["application/json"]["schema"])
        assert shape["title"] == "ErrorResponse"
        assert set(shape["required"]) == {"error", "code"}


def test_parameters_state_the_bounds_the_service_enforces(schema: dict[str, Any]) -> None:
    listing = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/backtests"]["get"]["parameters"]
    }
    assert listing["offset"]["minimum"] == 0
    assert listing["offset"]["maximum"] < 2**63
    (run_id,) = schema["paths"]["/api/backtests/{backtest_id}"]["get"]["parameters"]
    assert run_id["schema"]["maximum"] < 2**31
    context_query = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/player_context"]["get"]["parameters"]
    }
    assert (context_query["limit"]["minimum"], context_query["limit"]["maximum"]) == (1, 82)
    line = next(option for option in context_query["line"]["anyOf"] if "maximum" in option)
    assert line["minimum"] == 0
