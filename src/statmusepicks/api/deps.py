"""FastAPI dependencies, gathered in one place."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import Cache
from statmusepicks.services.container import Container


def get_container(request: Request) -> Container:
    """The container the app factory built."""
    container: Container = request.app.state.container
    return container


def get_settings(request: Request) -> Settings:
    """Settings the app was started with."""
    return get_container(request).settings


def get_cache(request: Request) -> Cache:
    """The shared cache."""
    return get_container(request).cache


def get_session(request: Request) -> Session:
    """A database session (the caller closes it)."""
    return get_container(request).sessions()
