"""The frontend's player context: `GET /api/player_context`, `POST /api/batch_player_context`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import get_container
from statmusepicks.services.container import Container
from statmusepicks.services.context import ContextQuery, ContextService, context_service

router = APIRouter(prefix="/api", tags=["context"])


def get_context_service(container: Container = Depends(get_container)) -> ContextService:
    """The process's context service."""
    return context_service(container)


@router.get("/player_context", summary="Recent form, opponent and rest of one player for a stat")
async def player_context(
    player: str = Query(..., description="Player name (accents and case optional) or NBA.com id."),
    stat: str = Query("points", description="Stat key, alias or PrizePicks label ('3-PT Made')."),
    limit: int = Query(10, description="How many recent games to list (1-82)."),
    date: dt.date | None = Query(None, description="As of this date (games strictly before)."),
    line: float | None = Query(None, description="Prop line for hit rates."),
    service: ContextService = Depends(get_context_service),
) -> dict[str, Any]:
    """camelCase context as the StatMusePicks frontend reads it."""
    query = ContextQuery(player=player, stat=stat, limit=limit, as_of=date, line=line)
    return await run_in_threadpool(service.player_context, query)


@router.post("/batch_player_context", summary="Contexts for up to 50 {player, stat, limit} items")
async def batch_player_context(
    items: list[Any] = Body(..., description="[{player, stat, limit}] (at most 50)."),
    service: ContextService = Depends(get_context_service),
) -> list[dict[str, Any]]:
    """Same order as the request; a failed item is `{"player", "error"}` and fails nothing else."""
    return await run_in_threadpool(service.batch_context, items)
