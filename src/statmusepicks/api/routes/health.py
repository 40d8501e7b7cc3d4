"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import ContainerDep
from statmusepicks.services.status import HealthReport, health_report

router = APIRouter(tags=["health"])


@router.get(
    "/health", summary="Service, database, cache and data freshness", response_model=HealthReport
)
async def health(container: ContainerDep) -> HealthReport:
    """`ok` plus the database, cache and the latest game loaded."""
    return await run_in_threadpool(health_report, container)
