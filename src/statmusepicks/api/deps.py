"""FastAPI dependencies, gathered in one place and declared once as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
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


# The two ways to present a key, published as OpenAPI security schemes. The check itself runs in
# ProtectionMiddleware, before routing, so that 401/403/429 and the rate limit cost no route work
# and a new /api/ router is protected even if it forgot this dependency.
API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="An API key (`statmusepicks keys create NAME`).",
    auto_error=False,
)
BEARER = HTTPBearer(
    scheme_name="Bearer",
    description="The same key as `Authorization: Bearer <key>`.",
    auto_error=False,
)


def api_key_id(
    request: Request,
    _header: Annotated[str | None, Security(API_KEY_HEADER)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
) -> int | None:
    """The id of the key the middleware accepted (None on a public path or without keys)."""
    found = request.scope.get("state", {}).get("api_key_id")
    return int(found) if found is not None else None


ContainerDep = Annotated[Container, Depends(get_container)]
ApiKeyIdDep = Annotated[int | None, Depends(api_key_id)]
ContextServiceDep = Annotated[ContextService, Depends(get_context_service)]
