"""Pricing props: `POST /api/predict` and `POST /api/batch_predict`."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Body, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from statmusepicks.api.deps import get_container
from statmusepicks.core.errors import ValidationError
from statmusepicks.services.container import Container
from statmusepicks.services.predictions import (
    DEFAULT_ODDS,
    PredictionRequest,
    PredictionService,
    prediction_service,
)


@asynccontextmanager
async def warm_predictor(app: FastAPI) -> AsyncIterator[None]:
    """Load the champion models at start-up, not on the first request (MLflow takes seconds)."""
    await run_in_threadpool(prediction_service(app.state.container).get_predictor)
    yield


router = APIRouter(prefix="/api", tags=["predictions"], lifespan=warm_predictor)


class PredictBody(BaseModel):
    """The frontend's prediction request."""

    model_config = ConfigDict(extra="ignore")

    player: str | int = Field(..., examples=["Nikola Jokic", 203999])
    stat: str = Field(..., min_length=1, max_length=40, examples=["points", "Pts+Rebs+Asts"])
    line: float = Field(..., examples=[27.5])
    odds_over: float | None = Field(None, description="American odds of the over (default -110).")
    odds_under: float | None = Field(None, description="American odds of the under (default -110).")
    date: dt.date | None = Field(None, description="Game date (default: the player's next game).")
    opponent: str | None = Field(None, max_length=3, description="Opponent abbreviation.")
    player_data: Any = None
    opponent_data: Any = None

    def to_request(self) -> PredictionRequest:
        return PredictionRequest(
            player=str(self.player),
            stat=self.stat,
            line=self.line,
            odds_over=DEFAULT_ODDS if self.odds_over is None else self.odds_over,
            odds_under=DEFAULT_ODDS if self.odds_under is None else self.odds_under,
            date=self.date,
            opponent=self.opponent,
            player_data=self.player_data,
            opponent_data=self.opponent_data,
        )


def get_prediction_service(container: Container = Depends(get_container)) -> PredictionService:
    """The process's prediction service."""
    return prediction_service(container)


def _key_id(request: Request) -> int | None:
    return request.scope.get("state", {}).get("api_key_id")


@router.post("/predict", summary="Price one player prop")
async def predict(
    body: PredictBody,
    request: Request,
    service: PredictionService = Depends(get_prediction_service),
) -> dict[str, Any]:
    """Predicted value, P(over/under/push), EV, edge, Kelly stake and a recommendation."""
    return await run_in_threadpool(service.predict, body.to_request(), api_key_id=_key_id(request))


@router.post("/batch_predict", summary="Price up to 50 props (partial failures per item)")
async def batch_predict(
    request: Request,
    payload: Any = Body(..., description='A bare array, or {"predictions": [...]} (at most 50).'),
    service: PredictionService = Depends(get_prediction_service),
) -> dict[str, list[dict[str, Any]]]:
    """`{"predictions": [...]}` in request order; a bad item is `{..., "error"}`."""
    items = payload.get("predictions") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ValidationError('Send a JSON array of predictions or {"predictions": [...]}.')
    results = await run_in_threadpool(service.batch, items, api_key_id=_key_id(request))
    return {"predictions": results}
