"""The one place where errors become HTTP responses: JSON always, never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from statmusepicks.core.errors import RateLimitedError, StatMusePicksError
from statmusepicks.core.logging import get_logger

log = get_logger(__name__)

# What each status means on this API, shown next to the error schema in OpenAPI.
STATUS_MEANINGS = {
    401: "No API key, or an unknown one.",
    403: "A revoked key.",
    404: "Not found (unknown player, model, backtest...).",
    409: (
        "Ambiguous player name (`ambiguous`; `candidates` lists the matches), or the player is "
        "ruled out by the latest injury report (`player_out`; `player_status` says which)."
    ),
    413: "Batch too large.",
    422: "Invalid input; `details` lists each problem when it is a parameter.",
    429: "Over the rate limit; `Retry-After` says when to retry.",
    503: "No data or model can serve the request yet.",
    504: "The request ran over the time budget.",
}
# Answers of every protected route, whatever it does.
PROTECTED = (401, 403, 429, 504)


class ErrorResponse(BaseModel):
    """Every error body: a readable `error`, a stable `code`, then details of that error."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(examples=["No player matches 'Nobody Atall'."])
    code: str = Field(examples=["not_found"])


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: the JSON error shape under each status it can answer."""
    return {
        status: {"model": ErrorResponse, "description": STATUS_MEANINGS[status]}
        for status in statuses
    }


def error_body(message: str, code: str, **details: object) -> dict[str, object]:
    """The JSON shape of every error: `error` (readable), `code` (stable), then details."""
    return {"error": message, "code": code, **details}


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StatMusePicksError)
    headers = {}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    if exc.status_code >= 500:
        log.error("request failed", error=exc.message, code=exc.code)
    return JSONResponse(
        error_body(exc.message, exc.code, **exc.details),
        status_code=exc.status_code,
        headers=headers,
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "field": ".".join(str(part) for part in error["loc"] if part != "body"),
            "message": error["msg"],
        }
        for error in exc.errors()
    ]
    summary = "; ".join(
        f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems
    )
    return JSONResponse(
        error_body(f"Invalid request: {summary}", "validation_error", details=problems),
        status_code=422,
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
    return JSONResponse(
        error_body(str(exc.detail), code), status_code=exc.status_code, headers=exc.headers
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path, error=repr(exc))
    return JSONResponse(error_body("Internal server error", "internal_error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Map the error hierarchy, request validation and HTTP errors to JSON responses."""
    app.add_exception_handler(StatMusePicksError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
