"""`GET /api/board`: every stored prop line of a date, priced and ranked by EV."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import ApiKeyIdDep, get_container
from statmusepicks.services.board import BoardQuery, board
from statmusepicks.services.container import Container
from statmusepicks.services.prediction_responses import BoardResponse

router = APIRouter(prefix="/api", tags=["board"])


@router.get(
    "/board",
    summary="Stored prop lines of a date, priced, best price across books",
    response_model=BoardResponse,
)
async def props_board(
    api_key_id: ApiKeyIdDep,
    date: dt.date = Query(..., description="Game date (YYYY-MM-DD)."),
    stat: str | None = Query(
        None, min_length=1, max_length=40, description="Only this stat (key, alias or label)."
    ),
    book: str | None = Query(
        None, min_length=1, max_length=40, description="Only this bookmaker (e.g. draftkings)."
    ),
    min_edge: float | None = Query(
        None,
        ge=-1.0,
        le=1.0,
        allow_inf_nan=False,
        description="Only props whose edge (a probability difference, -1 to 1) is at least this.",
    ),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Ranked by expected value at the best available price; under an A/B test each prop is
    priced by the arm `/api/predict` serves this key for it."""
    query = BoardQuery(date=date, stat=stat, book=book, min_edge=min_edge)
    return await run_in_threadpool(board, container, query, api_key_id=api_key_id)
