"""The one place where errors become HTTP responses: JSON always, never a stack trace."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from statmusepicks.core.errors import RateLimitedError, StatMusePicksError
from statmusepicks.core.logging import get_logger

log = get_logger(__name__)


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
