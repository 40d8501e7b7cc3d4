"""Who may see a page: the 18+/21+ confirmation (a cookie) and, for deployments, an API key.

Guarded pages depend on `viewer`, which raises `PageRedirect` with `guard`'s redirect (the app
answers with it), so a page runs only for a visitor who may see it. The key
check is off by default (DASHBOARD_REQUIRES_KEY=false): on 127.0.0.1 the board and player pages
need no key. When on, a key comes as `X-API-Key`, `Authorization: Bearer`, or the cookie set by
/login.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from statmusepicks.core.errors import AuthenticationError, ForbiddenError
from statmusepicks.services.container import Container
from statmusepicks.services.keys import check_key

AGE_COOKIE = "smp_age_confirmed"
KEY_COOKIE = "smp_api_key"
AGES = ("18", "21")
# Remembered for a year: the confirmation is asked again on a new browser, not every visit.
AGE_COOKIE_SECONDS = 365 * 24 * 3600
KEY_COOKIE_SECONDS = 30 * 24 * 3600

KeyCheck = Callable[[Container, str], object]


def safe_next(target: str | None) -> str:
    """A local path to return to after a form (never another host: no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def current_path(request: Request) -> str:
    """This request's path and query, for `next=`."""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


def age_confirmed(request: Request) -> bool:
    """True once the visitor confirmed their age in this browser."""
    return request.cookies.get(AGE_COOKIE) in AGES


def presented_key(request: Request) -> str | None:
    """The API key the browser sent, if any."""
    header = request.headers.get("x-api-key")
    if header:
        return header.strip()
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return request.cookies.get(KEY_COOKIE)


def key_is_valid(container: Container, key: str, check: KeyCheck) -> bool:
    """Whether the keys service accepts the key (unknown and revoked keys are refused)."""
    try:
        check(container, key)
    except (AuthenticationError, ForbiddenError):
        return False
    return True


class PageRedirect(Exception):
    """Raised by the guard dependency of a page the visitor may not see yet; the app answers
    with `response` (the redirect) instead of the page."""

    def __init__(self, response: RedirectResponse) -> None:
        super().__init__(response.headers["location"])
        self.response = response


def viewer(request: Request) -> None:
    """Dependency of the guarded pages: a visitor who has not confirmed their age (or shown a
    valid key where one is required) is redirected there instead."""
    container: Container = request.app.state.container
    if (redirect := guard(request, container, check_key)) is not None:
        raise PageRedirect(redirect)


async def answer_redirect(_request: Request, exc: Exception) -> Response:
    """The app's handler of `PageRedirect`."""
    assert isinstance(exc, PageRedirect)
    return exc.response


def guard(request: Request, container: Container, check: KeyCheck) -> RedirectResponse | None:
    """A redirect to /login or the age check when the visitor may not see the page yet."""
    next_path = quote(current_path(request), safe="")
    if container.settings.dashboard_requires_key:
        key = presented_key(request)
        if not key or not key_is_valid(container, key, check):
            return RedirectResponse(f"/login?next={next_path}", status_code=303)
    if not age_confirmed(request):
        return RedirectResponse(f"/age-check?next={next_path}", status_code=303)
    return None
