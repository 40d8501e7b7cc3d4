"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from statmusepicks import __version__
from statmusepicks.api.deps import api_key_id
from statmusepicks.api.errors import PROTECTED, error_responses, install_error_handlers
from statmusepicks.api.hardening import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from statmusepicks.api.middleware import install_middleware
from statmusepicks.api.routes import (
    alerts,
    analysis,
    backtests,
    board,
    context,
    health,
    metrics,
    models,
    predict,
    responsible_gambling,
    slips,
    track_record,
    whatif,
)
from statmusepicks.core.settings import Settings, get_settings
from statmusepicks.services.container import Container, build_container
from statmusepicks.services.warmup import warm_up
from statmusepicks.web import access, pages

# Every router of the service; a new route module is one line here. The /api/ routers that need
# a key carry the security schemes (the middleware enforces them) and, in the schema, the errors
# a missing key, a refused one, the rate limit and the request deadline answer with.
PROTECTED_ROUTERS: list[APIRouter] = [
    backtests.router,
    context.router,
    predict.router,
    analysis.router,
    board.router,
    slips.router,
    models.router,
    track_record.router,
    alerts.router,
    whatif.router,
]
OPEN_ROUTERS: list[APIRouter] = [
    health.router,
    metrics.router,
    responsible_gambling.router,
    track_record.proof_router,
    pages.router,
]


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the app; resources are opened in the lifespan, not at import time."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        app.state.container = container or build_container(settings)
        # The server accepts connections only after this: first requests find everything loaded.
        await run_in_threadpool(warm_up, app.state.container)
        try:
            yield
        finally:
            if owned:
                app.state.container.close()

    app = FastAPI(
        title="StatMusePicks",
        version=__version__,
        description="Calibrated prices for NBA player props.",
        lifespan=lifespan,
    )
    if container is not None:
        app.state.container = container
    install_middleware(app, settings)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_max_age_seconds)
    install_error_handlers(app)
    app.add_exception_handler(access.PageRedirect, access.answer_redirect)
    for router in OPEN_ROUTERS:
        app.include_router(router)
    for router in PROTECTED_ROUTERS:
        app.include_router(
            router, dependencies=[Depends(api_key_id)], responses=error_responses(*PROTECTED)
        )
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app
