"""The frontend's player context: `GET /api/player_context`, `POST /api/batch_player_context`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import WithJsonSchema

from statmusepicks.api.deps import ContextServiceDep
from statmusepicks.api.errors import error_responses
from statmusepicks.services.context import BatchResult
from statmusepicks.services.context_models import MAX_BATCH, ContextItem, PlayerContext

router = APIRouter(prefix="/api", tags=["context"])

# Items are parsed one by one so that a malformed item fails alone; the schema shows a good one.
BatchItem = Annotated[Any, WithJsonSchema(ContextItem.model_json_schema(by_alias=False))]


@router.get(
    "/player_context",
    summary="Recent form, opponent and rest of one player for a stat",
    responses=error_responses(404, 409, 422),
)
async def player_context(
    query: Annotated[ContextItem, Query()], service: ContextServiceDep
) -> PlayerContext:
    """camelCase context as the StatMusePicks frontend reads it."""
    return await run_in_threadpool(service.player_context, query.to_query())


@router.post(
    "/batch_player_context",
    summary=f"Contexts for up to {MAX_BATCH} {{player, stat, limit}} items",
    responses=error_responses(413, 422),
)
async def batch_player_context(
    items: Annotated[
        list[BatchItem],
        Body(
            description=f"[{{player, stat, limit, date, line}}] (at most {MAX_BATCH}; 413 above)."
        ),
    ],
    service: ContextServiceDep,
) -> list[BatchResult]:
    """Same order as the request; a failed item is `{"player", "error", "code", "status"}`."""
    return await run_in_threadpool(service.batch_context, items)
