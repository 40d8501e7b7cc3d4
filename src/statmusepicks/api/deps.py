"""FastAPI dependencies, gathered in one place and declared once as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import Cache
from statmusepicks.services.container import Container
from statmusepicks.services.context import ContextService, context_service


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


def get_context_service(request: Request) -> ContextService:
    """The process's context service."""
    return context_service(get_container(request))


ContainerDep = Annotated[Container, Depends(get_container)]
ContextServiceDep = Annotated[ContextService, Depends(get_context_service)]
