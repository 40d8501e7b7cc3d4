"""Stored backtest summaries: `GET /api/backtests` and `GET /api/backtests/{id}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import ContainerDep
from statmusepicks.api.errors import error_responses
from statmusepicks.services.backtests import (
    MAX_BACKTEST_ID,
    MAX_OFFSET,
    MAX_PAGE,
    BacktestDetail,
    BacktestPage,
    get_backtest,
    list_backtests,
)

router = APIRouter(prefix="/api/backtests", tags=["backtests"])


@router.get(
    "",
    summary="Stored backtests, newest first, with headline figures",
    responses=error_responses(422),
)
async def backtests(
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="At most this many runs.")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Skip this many of the newest runs.")
    ] = 0,
) -> BacktestPage:
    """Each run's dates, pricer, book, whether its lines were synthetic, bets/ROI by strategy."""
    return await run_in_threadpool(list_backtests, container, limit=limit, offset=offset)


@router.get(
    "/{backtest_id}",
    summary="One stored backtest with its full summary",
    responses=error_responses(404, 422),
)
async def backtest(
    container: ContainerDep,
    backtest_id: Annotated[int, Path(ge=1, le=MAX_BACKTEST_ID, description="The run's id.")],
) -> BacktestDetail:
    """Strategies, probability quality by stat and book, edge buckets and parameters."""
    return await run_in_threadpool(get_backtest, container, backtest_id)
