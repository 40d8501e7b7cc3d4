"""ASGI middleware that hardens every answer: security headers and a request body size limit.

Pure ASGI like the rest of the stack. The headers:
- every answer: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
  `Referrer-Policy: same-origin`;
- dashboard pages (HTML outside the API docs): a Content-Security-Policy that loads scripts,
  styles and images from this origin only and forbids framing (`frame-ancestors 'none'`);
  the docs pages load Swagger UI from its CDN, so they keep the browser's defaults;
- HSTS when the request came over TLS: the scheme is https, or the TLS-terminating proxy
  said so in `X-Forwarded-Proto` (nginx sets it). Plain HTTP answers never carry it.

A body over `max_bytes` is refused with a JSON 413 before the app reads it: at once when
Content-Length says so, else as soon as the streamed chunks pass the limit.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from statmusepicks.api.errors import error_body
from statmusepicks.api.middleware import header, send_json

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
DASHBOARD_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    b"form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc load their scripts from a CDN.
DOCS_PATHS = ("/docs", "/redoc")


def over_tls(scope: Scope) -> bool:
    """Whether the client reached us over HTTPS (directly or through the TLS proxy)."""
    if scope.get("scheme") == "https":
        return True
    forwarded = header(scope, b"x-forwarded-proto") or ""
    return forwarded.split(",")[0].strip().lower() == "https"


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP answer (see the module docstring)."""

    def __init__(self, app: ASGIApp, hsts_seconds: int) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains".encode() if hsts_seconds else b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(ALWAYS)
        if self.hsts and over_tls(scope):
            extra.append((b"strict-transport-security", self.hsts))
        docs = scope["path"].startswith(DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and not docs:
                    headers.append((b"content-security-policy", DASHBOARD_CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Answer 413 (JSON) to a request body larger than `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send) -> None:
        body = error_body(
            f"The request body is larger than {self.max_bytes} bytes.",
            "payload_too_large",
            max_bytes=self.max_bytes,
        )
        await send_json(send, 413, body, {"Connection": "close"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        refused = started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not (refused or started):
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Answer now; the app sees a client that went away and its answer is dropped.
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not refused:
                started = started or message["type"] == "http.response.start"
                await send(message)

        await self.app(scope, counting_receive, guarded_send)
