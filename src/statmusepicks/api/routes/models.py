"""`GET /api/models` (registered and loaded models) and `POST /api/models/load?player=`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import get_container
from statmusepicks.services.container import Container
from statmusepicks.services.models import loaded_models, warm_player

router = APIRouter(prefix="/api/models", tags=["models"])


@router.get("", summary="Registered models and what this process serves")
async def models(container: Container = Depends(get_container)) -> dict[str, Any]:
    """Champion and challenger of each model, and the versions loaded for serving."""
    return await run_in_threadpool(loaded_models, container)


@router.post("/load", summary="Warm the models and features of one player")
async def load(
    player: str = Query(..., min_length=1, description="Player name or NBA.com id."),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Loads the predictor if needed and caches the player's feature row for his next game."""
    return await run_in_threadpool(warm_player, container, player)
