"""Language-model edges: `POST /api/ollama_stream` (raw streaming) and `POST /api/analysis`.

Both work without a language model: the stream answers one error event, the analysis is written
from the numbers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from statmusepicks.api.deps import get_container
from statmusepicks.api.errors import error_responses
from statmusepicks.services.container import Container
from statmusepicks.services.llm.analysis import analyse
from statmusepicks.services.llm.events import DONE, HEADERS, EventStreamResponse, sse
from statmusepicks.services.llm.providers import LLMError, LLMProvider, llm_provider
from statmusepicks.services.prediction_request import PredictionRequest

router = APIRouter(prefix="/api", tags=["analysis"])

ContainerDep = Annotated[Container, Depends(get_container)]


class StreamBody(BaseModel):
    """The frontend's stream request: `prompt` (or `input`) and an optional model name."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = Field(None, description="Model name (default: the configured one).")
    prompt: str | None = Field(None, examples=["Why might Jokic go over 27.5 points?"])
    input: str | None = Field(None, description="Alias of `prompt`.")


class CamelModel(BaseModel):
    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True)


class OpponentEvidence(CamelModel):
    """The opponent as of the game, as the frontend's `OpponentInfo` names it."""

    name: str | None
    defensive_rating: float | None = Field(description="Points allowed per 100 possessions.")
    pace: float | None = Field(description="Possessions per 48 minutes.")


class RecentGameEvidence(CamelModel):
    date: str
    stat_value: float


class TextSignalEvidence(CamelModel):
    """A number read from an injury note or news item, known before the game."""

    kind: Literal["availability", "minutes_restriction", "role_change"]
    value: float
    source: str
    source_text: str
    observed_at: str


class NumericEvidence(CamelModel):
    """Every number the analysis may cite (more keys than listed: see docs/llm.md)."""

    predicted_value: float
    over_probability: float
    under_probability: float
    opponent: OpponentEvidence
    recent_games: list[RecentGameEvidence] | None
    season_avg: float | None
    projected_minutes: None = Field(
        description="Always null: minutes are a model input, not something it projects."
    )
    text_signals: list[TextSignalEvidence]


class DataUsed(BaseModel):
    """The frontend's `dataUsed`: whether stored data fed the numbers, and which kinds."""

    external: bool
    sources: list[str] = Field(examples=[["model", "nba", "sportsbook_lines"]])


class AnalysisResponse(CamelModel):
    """One prop's analysis; `numericEvidence` holds every number it was allowed to use."""

    player: str
    stat: str
    line: float
    recommendation: Literal["OVER", "UNDER"] | None = Field(
        description="Null when no side is favoured, or when the analysis awaits review."
    )
    confidence: Literal["High", "Medium", "Low"]
    model_confidence_score: int = Field(
        ge=50,
        le=100,
        description="The pricing model's probability of its favoured side, in whole percent.",
    )
    reasoning: str
    needs_review: bool = Field(
        description="The language model leaned against a prediction at least 65% sure."
    )
    source: Literal["llm", "deterministic"]
    model_side: Literal["OVER", "UNDER"] = Field(description="The side the prediction favours.")
    data_used: DataUsed
    numeric_evidence: NumericEvidence


async def stream_events(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    """Each chunk as `data: {"text": ...}` (JSON keeps its spaces and newlines), then [DONE];
    a failure is one `data: {"error": ...}` event instead."""
    try:
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                yield sse(json.dumps({"text": chunk}))
    except LLMError as exc:
        yield sse(json.dumps({"error": exc.message, "code": exc.code}))
        return
    yield sse(DONE)


async def not_configured() -> AsyncIterator[str]:
    message = "No language model is configured (set OLLAMA_URL or LLM_BASE_URL)."
    yield sse(json.dumps({"error": message, "code": "llm_not_configured"}))


def get_llm_provider(container: ContainerDep) -> LLMProvider | None:
    """The configured language model, or None."""
    return llm_provider(container.settings)


ProviderDep = Annotated[LLMProvider | None, Depends(get_llm_provider)]


@router.post(
    "/ollama_stream",
    summary="Stream a language model's answer to a prompt (Server-Sent Events)",
    response_class=EventStreamResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "data: events, then [DONE]"},
        400: {"description": "No prompt."},
    },
)
async def ollama_stream(body: StreamBody, provider: ProviderDep) -> EventStreamResponse:
    """`data: {"text": ...}` per chunk and `data: [DONE]`; `data: {"error": ...}` on failure."""
    prompt = body.prompt or body.input
    if not prompt:
        raise HTTPException(status_code=400, detail="Give a prompt (or input).")
    if provider is None:
        return EventStreamResponse(not_configured())
    chunks = provider.generate(prompt, model=body.model)
    return EventStreamResponse(stream_events(chunks), headers=HEADERS)


@router.post(
    "/analysis",
    summary="A written analysis of one prop from its numbers",
    response_model=AnalysisResponse,
    responses=error_responses(404, 409, 422),
)
async def analysis(
    body: PredictionRequest, container: ContainerDep, provider: ProviderDep
) -> dict[str, Any]:
    """The language model's reading of the prediction (cached 24 h), or the numbers' own."""
    return await analyse(container, body, provider)
