"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from statmusepicks import __version__
from statmusepicks.api.errors import install_error_handlers
from statmusepicks.api.middleware import install_middleware
from statmusepicks.api.routes import (
    analysis,
    backtests,
    board,
    context,
    health,
    models,
    predict,
    responsible_gambling,
    track_record,
)
from statmusepicks.core.settings import Settings, get_settings
from statmusepicks.services.container import Container, build_container
from statmusepicks.web import pages

# Every router of the service; a new route module is one line here.
ROUTERS: list[APIRouter] = [
    health.router,
    backtests.router,
    context.router,
    predict.router,
    analysis.router,
    board.router,
    models.router,
    track_record.router,
    responsible_gambling.router,
    pages.router,
]


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the app; resources are opened in the lifespan, not at import time."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        app.state.container = container or build_container(settings)
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
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app
