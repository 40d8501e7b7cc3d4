"""Liveness (`/health`, cheap) and readiness (`/health/ready`, the serving lookups are loaded)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from statmusepicks.api.deps import ContainerDep
from statmusepicks.services.status import HealthReport, health_report
from statmusepicks.services.warmup import Readiness, readiness

router = APIRouter(tags=["health"])


@router.get("/health", summary="Service, database, cache and data freshness")
async def health(container: ContainerDep) -> HealthReport:
    """`ok` plus the database, cache and the latest game loaded."""
    return await run_in_threadpool(health_report, container)


@router.get(
    "/health/ready",
    summary="Whether this process has loaded what predictions need",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Something is still loading."}},
)
async def ready(container: ContainerDep) -> JSONResponse:
    """200 once the predictor, the team games and the player name table are loaded; 503 with
    `missing` before (a background warm-up is started for what is missing)."""
    report = readiness(container)
    return JSONResponse(report.model_dump(), status_code=200 if report.ok else 503)
