"""Stored backtest summaries: `GET /api/backtests` and `GET /api/backtests/{id}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import get_container
from statmusepicks.services.backtests import get_backtest, list_backtests
from statmusepicks.services.container import Container

router = APIRouter(prefix="/api/backtests", tags=["backtests"])


@router.get("", summary="Stored backtests, newest first, with headline figures")
async def backtests(
    limit: int = Query(50, ge=1, le=500, description="At most this many runs."),
    offset: int = Query(0, ge=0, description="Skip this many of the newest runs."),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Each run's dates, pricer, book, whether its lines were synthetic, bets/ROI by strategy."""
    runs = await run_in_threadpool(list_backtests, container, limit=limit, offset=offset)
    return {"backtests": runs, "limit": limit, "offset": offset}


@router.get("/{backtest_id}", summary="One stored backtest with its full summary")
async def backtest(
    backtest_id: int = Path(..., ge=1, description="The run's id."),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Strategies, probability quality by stat and book, edge buckets and parameters."""
    return await run_in_threadpool(get_backtest, container, backtest_id)
