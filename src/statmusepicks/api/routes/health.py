"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import get_container
from statmusepicks.services.container import Container
from statmusepicks.services.status import health_report

router = APIRouter(tags=["health"])


@router.get("/health", summary="Service, database, cache and data freshness")
async def health(container: Container = Depends(get_container)) -> dict[str, Any]:
    """`ok` plus the database, cache and the latest game loaded."""
    return await run_in_threadpool(health_report, container)
