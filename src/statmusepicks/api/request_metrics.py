"""ASGI middleware counting requests and their latency per route template.

Labels use the route's template (`/api/models/{stat}`), never the raw path, so the number of
series stays bounded whatever clients send; a path no route serves is counted as `unmatched`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from statmusepicks.core.metrics import HTTP_LATENCY, HTTP_REQUESTS

UNMATCHED = "unmatched"


def _candidates(routes: Iterable[Any]) -> Iterator[Any]:
    """Routes with a path pattern, looking inside included routers (FastAPI wraps each
    `include_router` in one whose `effective_candidates()` carry the full paths)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _candidates(route.effective_candidates())
        elif hasattr(route, "path_regex"):
            yield route


def route_template(scope: Scope) -> str:
    """The template of the route that served (or would have served) this request."""
    route = scope.get("route")
    if route is not None:
        return str(getattr(route, "path", UNMATCHED))
    # Answered before routing (a 401 or 429 from the protection layer): find the route anyway.
    path = scope["path"]
    for candidate in _candidates(scope["app"].router.routes):
        if candidate.path_regex.match(path):
            return str(candidate.path)
    return UNMATCHED


class RequestMetricsMiddleware:
    """Count every HTTP request by method, route template and status, and time it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = route_template(scope)
            method = scope["method"]
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)
