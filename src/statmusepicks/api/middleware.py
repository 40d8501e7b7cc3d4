"""ASGI middleware: API-key authentication, per-key rate limits and the request time budget.

Pure ASGI (no BaseHTTPMiddleware) to keep the predict hot path cheap. Every `/api/` path needs
a key unless it is listed public, so a new router is protected by default; `/health`, `/docs`,
`/openapi.json`, the dashboard pages (they have their own guard), the responsible-gambling
notice and, while `PUBLIC_CONTEXT` is on, the player-context endpoints need none.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from statmusepicks.api.errors import error_body
from statmusepicks.api.request_metrics import RequestMetricsMiddleware
from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.core.metrics import RATE_LIMITED
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.session import DATABASE_RETRY_AFTER_SECONDS, is_database_outage
from statmusepicks.services.container import Container
from statmusepicks.services.keys import authenticate
from statmusepicks.services.rate_limit import rate_limiter

ALWAYS_PUBLIC = (
    "/api/responsible-gambling",
    "/api/track_record/proof",
    "/api/track_record/export.csv",
)
CONTEXT_PATHS = ("/api/player_context", "/api/batch_player_context")


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def presented_key(scope: Scope) -> str | None:
    """The key of `X-API-Key` or `Authorization: Bearer <key>`."""
    key = header(scope, b"x-api-key")
    if key:
        return key.strip()
    authorization = header(scope, b"authorization") or ""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


def is_public(path: str, settings: Settings) -> bool:
    """Whether a path is served without a key."""
    if not path.startswith("/api/"):
        return True
    if path in ALWAYS_PUBLIC:
        return True
    return settings.public_context and path in CONTEXT_PATHS


def _routed(scope: Scope) -> bool:
    """Whether some route serves this path (any method)."""
    return any(route.matches(scope)[0] != Match.NONE for route in scope["app"].router.routes)


class ProtectionMiddleware:
    """401 without a key, 403 for a revoked one, 429 with Retry-After over the rate limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        container: Container = scope["app"].state.container
        settings = container.settings
        path = scope["path"]
        if is_public(path, settings) or not _routed(scope):
            await self.app(scope, receive, send)  # unknown paths get the router's JSON 404
            return
        client = f"ip:{(scope.get('client') or ('local', 0))[0]}"
        if settings.require_api_keys:
            try:
                identity = await run_in_threadpool(authenticate, container, presented_key(scope))
            except StatMusePicksError as exc:
                await send_json(send, exc.status_code, error_body(exc.message, exc.code))
                return
            scope.setdefault("state", {})["api_key_id"] = identity.key_id
            client = f"key:{identity.key_id}"
        decision = rate_limiter(container).hit(client)
        limit_headers = {
            "X-RateLimit-Limit": str(decision.limit),
            "X-RateLimit-Remaining": str(max(decision.remaining, 0)),
        }
        if not decision.allowed:
            RATE_LIMITED.inc()
            retry = max(1, round(decision.retry_after + 0.499))
            body = error_body(
                f"Rate limit of {decision.limit} requests per minute exceeded; retry in {retry} s.",
                "rate_limited",
                retry_after=retry,
            )
            await send_json(send, 429, body, {"Retry-After": str(retry), **limit_headers})
            return

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in limit_headers.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_limits)


# Streams last as long as the model writes; the provider's idle timeout bounds them instead.
UNBUDGETED_PATHS = ("/api/ollama_stream", "/player/analysis")


class _StartTracking:
    """A `send` that remembers whether the response has begun: after that, a failure can no
    longer be answered with an error body and must propagate instead."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class TimeoutMiddleware:
    """Cut a request that runs over the budget with a 504 JSON answer."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNBUDGETED_PATHS:
            await self.app(scope, receive, send)
            return
        tracked = _StartTracking(send)
        try:
            await asyncio.wait_for(self.app(scope, receive, tracked), self.seconds)
        except TimeoutError:
            if tracked.started:
                raise
            body = error_body(
                f"The request took longer than {self.seconds:g} s and was cut.",
                "timeout",
                timeout_seconds=self.seconds,
            )
            await send_json(send, 504, body)


class DatabaseOutageMiddleware:
    """A database that cannot be reached answers 503 with Retry-After, never a 500.

    ASGI-level rather than an exception handler because the key check above reads the database
    outside FastAPI's handlers, and an outage must look the same whichever layer noticed it. The
    pool re-opens connections on the next request (`pool_pre_ping`), so the service recovers
    by itself once the database is back.
    """

    def __init__(self, app: ASGIApp, retry_after: int = DATABASE_RETRY_AFTER_SECONDS) -> None:
        self.app = app
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = _StartTracking(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if tracked.started or not is_database_outage(exc):
                raise
            body = error_body(
                f"The database is unavailable; retry in {self.retry_after} s.",
                "database_unavailable",
                retry_after=self.retry_after,
            )
            await send_json(send, 503, body, {"Retry-After": str(self.retry_after)})


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Add the time budget, outage answers and protection (call before CORS so CORS wraps
    their answers)."""
    app.add_middleware(ProtectionMiddleware)
    app.add_middleware(DatabaseOutageMiddleware)
    app.add_middleware(TimeoutMiddleware, seconds=settings.request_timeout_seconds)
    app.add_middleware(RequestMetricsMiddleware)
