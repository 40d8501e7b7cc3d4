"""`GET /api/track_record`: how the served predictions did once graded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import get_container
from statmusepicks.services.container import Container
from statmusepicks.services.grading import track_record

router = APIRouter(prefix="/api", tags=["track record"])


@router.get("/track_record", summary="Graded predictions: hit rate, ROI, Brier by stat and side")
async def get_track_record(container: Container = Depends(get_container)) -> dict[str, Any]:
    """Counts, hit rate with a 95 % interval, ROI at the taken prices and Brier score."""
    return await run_in_threadpool(track_record, container)
