"""`GET /api/track_record`: how the served predictions did once graded."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import ContainerDep
from statmusepicks.api.errors import PROTECTED, error_responses
from statmusepicks.services.grading import TrackRecord, track_record

router = APIRouter(prefix="/api", tags=["track record"])


@router.get(
    "/track_record",
    summary="Graded predictions: hit rate, ROI, Brier by stat and side",
    response_model=TrackRecord,
    responses=error_responses(*PROTECTED),
)
async def get_track_record(container: ContainerDep) -> TrackRecord:
    """Counts, hit rate with a 95 % interval, ROI at the taken prices and Brier score."""
    return await run_in_threadpool(track_record, container)
