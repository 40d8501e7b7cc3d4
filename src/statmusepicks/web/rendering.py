"""Templates, and the rule that one unavailable service greys out its section, not the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from statmusepicks.core.errors import (
    DataError,
    ModelNotAvailableError,
    NotFoundError,
    ServiceUnavailableError,
    ValidationError,
)
from statmusepicks.core.logging import get_logger
from statmusepicks.web.format import FILTERS

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
DISCLAIMER = (
    "StatMusePicks publishes statistical estimates for information and entertainment. They are "
    "not betting advice and no model guarantees profit. Bet only what you can afford to lose, "
    "and only where it is legal for you."
)
# Errors shown as a notice in their own section: no data or model yet, or a bad form value.
SECTION_NOTICES = (
    ModelNotAvailableError,
    ServiceUnavailableError,
    NotFoundError,
    DataError,
    ValidationError,
)

log = get_logger(__name__)
T = TypeVar("T")


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The Jinja2 environment with the number filters (built on first render)."""
    environment = Jinja2Templates(directory=str(TEMPLATES_DIR))
    environment.env.filters.update(FILTERS)
    environment.env.globals["disclaimer"] = DISCLAIMER
    return environment


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A full page; every template extends base.html (nav, skip link, footer with help links)."""
    return templates().TemplateResponse(
        request, name, {"path": request.url.path, **(context or {})}, status_code=status_code
    )


@dataclass(frozen=True)
class Section(Generic[T]):
    """A page section's data, or why it is not available yet."""

    data: T | None = None
    unavailable: str | None = None

    @property
    def ok(self) -> bool:
        return self.unavailable is None


def section(call: Callable[..., T], *args: Any, **kwargs: Any) -> Section[T]:
    """Run one service call; a missing model or data becomes a notice instead of an error page."""
    try:
        return Section(data=call(*args, **kwargs))
    except SECTION_NOTICES as exc:
        return Section(unavailable=exc.message)
    except Exception as exc:  # a broken section must not take the page down with it
        log.exception("dashboard section failed", section=getattr(call, "__name__", "?"))
        return Section(unavailable=f"This section failed to load ({type(exc).__name__}).")
