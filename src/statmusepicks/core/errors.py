"""The one error hierarchy. Each class carries the HTTP status the API maps it to."""

from __future__ import annotations

from typing import Any


class StatMusePicksError(Exception):
    """Base of every error a caller can act on."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationError(StatMusePicksError):
    """The request or the data is malformed."""

    status_code = 422
    code = "validation_error"


class NotFoundError(StatMusePicksError):
    """The thing asked for does not exist (player, model, backtest...)."""

    status_code = 404
    code = "not_found"


class AmbiguousError(StatMusePicksError):
    """A name matched several things; `details['candidates']` lists them."""

    status_code = 409
    code = "ambiguous"


class PlayerOutError(StatMusePicksError):
    """The latest injury report rules the player out of the game asked about: no price."""

    status_code = 409
    code = "player_out"


class PayloadTooLargeError(StatMusePicksError):
    """A batch asked for more items than allowed."""

    status_code = 413
    code = "payload_too_large"


class AuthenticationError(StatMusePicksError):
    """No API key, or an unknown one."""

    status_code = 401
    code = "unauthorized"


class ForbiddenError(StatMusePicksError):
    """A revoked key, or a key without the right."""

    status_code = 403
    code = "forbidden"


class RateLimitedError(StatMusePicksError):
    """Too many requests; `retry_after` seconds until the next is allowed."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float = 1.0, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServiceUnavailableError(StatMusePicksError):
    """A dependency we cannot do without is down (no data loaded, no model)."""

    status_code = 503
    code = "service_unavailable"


class DataError(StatMusePicksError):
    """Data on disk or in the database is unusable."""

    status_code = 500
    code = "data_error"


class UpstreamError(StatMusePicksError):
    """An external API (NBA Stats, odds) failed after retries or sent a malformed payload."""

    status_code = 502
    code = "upstream_error"


class UpstreamNotFound(UpstreamError):
    """The external API says the resource does not exist."""

    status_code = 404
    code = "upstream_not_found"


class UpstreamRateLimited(UpstreamError):
    """The external API kept answering 429."""

    status_code = 503
    code = "upstream_rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ModelNotAvailableError(StatMusePicksError):
    """No registered model can serve the request."""

    status_code = 503
    code = "model_not_available"
