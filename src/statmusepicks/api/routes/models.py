"""`GET /api/models` (registered and loaded models) and `POST /api/models/load?player=`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import ContainerDep
from statmusepicks.api.errors import error_responses
from statmusepicks.services.models import ModelsReport, WarmedPlayer, loaded_models, warm_player

router = APIRouter(prefix="/api/models", tags=["models"])


@router.get(
    "",
    summary="Registered models and what this process serves",
)
async def models(container: ContainerDep) -> ModelsReport:
    """Champion and challenger of each model, and the versions loaded for serving."""
    return await run_in_threadpool(loaded_models, container)


@router.post(
    "/load",
    summary="Warm the models and features of one player",
    responses=error_responses(404, 409, 422),
)
async def load(
    container: ContainerDep,
    player: Annotated[
        str, Query(min_length=1, max_length=100, description="Player name or NBA.com id.")
    ],
) -> WarmedPlayer:
    """Loads the predictor if needed and caches the player's feature row for his next game."""
    return await run_in_threadpool(warm_player, container, player)
