"""`GET /api/track_record`: how the served predictions did once graded, and the proof that the
record behind it was not edited (`/proof`, and the whole hash chain as `/export.csv`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from statmusepicks.api.deps import ContainerDep
from statmusepicks.services.track_record import TrackRecord, track_record
from statmusepicks.services.track_record_chain import RecordProof, export_rows, proof

router = APIRouter(prefix="/api", tags=["track record"])
# The proof is for anyone to check, key or not: it reveals no more than the published record.
proof_router = APIRouter(prefix="/api", tags=["track record"])


@router.get(
    "/track_record",
    summary="Graded predictions: hit rate, ROI, CLV, Brier by stat and side",
)
async def get_track_record(container: ContainerDep) -> TrackRecord:
    """Counts, hit rate with a 95 % interval, ROI and closing-line value at the taken prices,
    and Brier score."""
    return await run_in_threadpool(track_record, container)


@proof_router.get(
    "/track_record/proof",
    summary="The head of the predictions' hash chain and how to check it",
)
async def get_proof(container: ContainerDep) -> RecordProof:
    """The last entry's sequence number and chain hash, the counts of predictions and grades,
    and the export to check them against offline."""
    return await run_in_threadpool(proof, container)


@proof_router.get(
    "/track_record/export.csv",
    summary="The whole hash chain as CSV (one row per prediction or grade)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_export(container: ContainerDep) -> StreamingResponse:
    """Columns seq, kind, row_id, content, content_hash, prev_hash, chain_hash; check it with
    `python hash_chain.py record.csv` (docs/track-record.md)."""
    return StreamingResponse(
        export_rows(container),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="record.csv"'},
    )
