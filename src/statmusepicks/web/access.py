"""Who may see a page: the 18+/21+ confirmation (a cookie) and, for deployments, an API key.

Pages call `guard(request)` first and return its redirect when there is one. The key check is
off by default (DASHBOARD_REQUIRES_KEY=false): on 127.0.0.1 the board and player pages need no
key. When on, a key comes as `X-API-Key`, `Authorization: Bearer`, or the cookie set by /login.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse

from statmusepicks.core.errors import AuthenticationError, ForbiddenError
from statmusepicks.services.container import Container

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
