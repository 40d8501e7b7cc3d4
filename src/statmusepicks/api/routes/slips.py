"""Pick'em slips: `POST /api/slip` prices one, `POST /api/slip/best` searches the board."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import ContainerDep
from statmusepicks.api.errors import error_responses
from statmusepicks.services.slip_schema import (
    BestSlipResponse,
    SlipRequest,
    SlipResponse,
    SlipSearchRequest,
)
from statmusepicks.services.slip_search import best_slip
from statmusepicks.services.slips import slip

router = APIRouter(prefix="/api", tags=["slips"])


@router.post(
    "/slip",
    summary="Joint payout distribution, EV and break-even of a 2-6 leg pick'em slip",
    response_model=SlipResponse,
    responses=error_responses(404, 409, 422, 503),
)
async def price_slip(body: SlipRequest, container: ContainerDep) -> dict[str, Any]:
    """Each leg priced as `/api/predict` prices it, the legs joined by the correlations of
    past box scores, settled by the app's payout table in force on the date. Seeded: the
    same request gives the same answer."""
    return await run_in_threadpool(slip, container, body)


@router.post(
    "/slip/best",
    summary="The best slip of a size from a date's board (correlation-aware beam search)",
    response_model=BestSlipResponse,
    responses=error_responses(404, 422, 503),
)
async def search_slip(body: SlipSearchRequest, container: ContainerDep) -> dict[str, Any]:
    """Candidates are the board's main lines on their likelier side, one per player; slips
    are ranked by simulated EV on the app's table."""
    return await run_in_threadpool(best_slip, container, body)
