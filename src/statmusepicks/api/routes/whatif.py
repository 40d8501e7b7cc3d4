"""What-ifs: `POST /api/whatif` (a prop priced as if teammates sit or return) and
`GET /api/board/sensitivity` (the day's lines most moved by an uncertain teammate)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import ContainerDep
from statmusepicks.services.sensitivity import DEFAULT_LIMIT, line_sensitivity
from statmusepicks.services.whatif import what_if
from statmusepicks.services.whatif_models import (
    SensitivityResponse,
    WhatIfRequest,
    WhatIfResponse,
)

router = APIRouter(prefix="/api", tags=["what-if"])


@router.post(
    "/whatif",
    summary="Price a prop as if given teammates sit (or return)",
    response_model=WhatIfResponse,
)
async def whatif(body: WhatIfRequest, container: ContainerDep) -> dict[str, Any]:
    """Base (injury report as of the game's cut-off) vs what-if P(over), mean and minutes."""
    return await run_in_threadpool(what_if, container, body)


@router.get(
    "/board/sensitivity",
    summary="A day's lines ranked by how much an uncertain teammate moves them",
    response_model=SensitivityResponse,
)
async def board_sensitivity(
    container: ContainerDep,
    date: dt.date = Query(..., description="Game date (YYYY-MM-DD)."),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=500, description="At most this many lines."),
) -> dict[str, Any]:
    """Each questionable/day-to-day teammate priced as sitting, each doubtful one as playing."""
    return await run_in_threadpool(line_sensitivity, container, date, limit=limit)
