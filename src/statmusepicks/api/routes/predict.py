"""Pricing props: `POST /api/predict` and `POST /api/batch_predict`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, SkipValidation

from statmusepicks.api.deps import get_container
from statmusepicks.core.errors import ValidationError
from statmusepicks.services.container import Container
from statmusepicks.services.prediction_request import MAX_BATCH, PredictionRequest
from statmusepicks.services.prediction_responses import BatchResponse, PredictionResponse
from statmusepicks.services.predictions import PredictionService, prediction_service

router = APIRouter(prefix="/api", tags=["predictions"])


class BatchRequest(BaseModel):
    """The wrapped form of a batch."""

    predictions: list[PredictionRequest] = Field(max_length=MAX_BATCH)


# The schema publishes the item model; validation is left to the service, item by item, so one
# bad item is answered with its own error instead of refusing the whole batch (413 above 50).
BatchBody = Annotated[
    SkipValidation[Annotated[list[PredictionRequest], Field(max_length=MAX_BATCH)] | BatchRequest],
    Body(description='A bare array, or {"predictions": [...]} (at most 50).'),
]


def get_prediction_service(container: Container = Depends(get_container)) -> PredictionService:
    """The process's prediction service."""
    return prediction_service(container)


PredictionServiceDep = Annotated[PredictionService, Depends(get_prediction_service)]


def _key_id(request: Request) -> int | None:
    return request.scope.get("state", {}).get("api_key_id")


@router.post("/predict", summary="Price one player prop", response_model=PredictionResponse)
async def predict(
    body: PredictionRequest, request: Request, service: PredictionServiceDep
) -> dict[str, Any]:
    """Predicted value, P(over/under/push), EV, edge, Kelly stake and a recommendation."""
    return await run_in_threadpool(service.predict, body, api_key_id=_key_id(request))


@router.post(
    "/batch_predict",
    summary="Price up to 50 props (partial failures per item)",
    response_model=BatchResponse,
)
async def batch_predict(
    request: Request, payload: BatchBody, service: PredictionServiceDep
) -> dict[str, list[dict[str, Any]]]:
    """`{"predictions": [...]}` in request order; a bad item is `{..., "error"}`."""
    items = payload.get("predictions") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ValidationError('Send a JSON array of predictions or {"predictions": [...]}.')
    results = await run_in_threadpool(service.batch, items, api_key_id=_key_id(request))
    return {"predictions": results}
