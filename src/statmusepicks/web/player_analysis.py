"""The player page's written analysis, streamed to the page's own script.

Same use case as `POST /api/analysis` (`services.llm.analysis.analysis_events`), reached with
the dashboard's access (age confirmation, and the key cookie when DASHBOARD_REQUIRES_KEY is on)
instead of an API key, so the page never holds a key in JavaScript. Events:
`data: {"text": ...}` per chunk the language model writes, one `data: {"analysis": {...}}`
(the JSON `/api/analysis` answers), then `data: [DONE]`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.services.container import Container
from statmusepicks.services.keys import check_key
from statmusepicks.services.llm.analysis import analysis_events
from statmusepicks.services.llm.events import DONE, HEADERS, EventStreamResponse, sse
from statmusepicks.services.llm.providers import LLMProvider, llm_provider
from statmusepicks.services.prediction_request import PredictionRequest
from statmusepicks.web import access

router = APIRouter()
PATH = "/player/analysis"


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def page_events(
    container: Container, body: PredictionRequest, provider: LLMProvider | None
) -> AsyncIterator[str]:
    """The analysis events as SSE frames; an error the page can show as the last event."""
    try:
        async for event in analysis_events(container, body, provider):
            yield sse(json.dumps(event, default=str))
    except StatMusePicksError as exc:
        yield sse(json.dumps({"error": exc.message, "code": exc.code}))
        return
    yield sse(DONE)


@router.post(PATH, include_in_schema=False, response_model=None)
async def stream_player_analysis(
    request: Request, body: PredictionRequest, container: Annotated[Container, Depends(_container)]
) -> Response:
    """Stream the analysis of one prop to the player page (401 when the page may not be seen)."""
    if await run_in_threadpool(access.guard, request, container, check_key) is not None:
        return JSONResponse({"error": "Open the player page first."}, status_code=401)
    provider = llm_provider(container.settings)
    return EventStreamResponse(page_events(container, body, provider), headers=HEADERS)
