"""A stats.nba.com that falls over the ways the real one does: 5xx, hangs, and HTML error pages.

Healthy answers replay the real leaguegamelog format (`tests.upstream_fakes.answer_game_log`);
`mode` switches the failure for every following request, and `requests` counts what reached it
(a breaker that is open must send nothing).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from tests.upstream_fakes import NBAStatsServer, answer_game_log, game_log_rows

Mode = Literal["healthy", "5xx", "timeout", "html"]

# What stats.nba.com's CDN sends when the origin is down: a 200 whose body is an HTML page.
HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Access Denied</title></head><body>"
    b"<h1>Access Denied</h1><p>Reference #18.d1a2c17.1763370000.3f2a1b</p></body></html>"
)


@dataclass
class NBAOutage:
    """The stand-in; `transport` goes into the client's wiring."""

    mode: Mode = "healthy"
    requests: int = 0
    payloads: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"P": game_log_rows("P"), "T": game_log_rows("T")}
    )

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.mode == "5xx":
            return httpx.Response(503, text="Service Unavailable")
        if self.mode == "timeout":
            raise httpx.ReadTimeout("stats.nba.com did not answer", request=request)
        if self.mode == "html":
            return httpx.Response(
                200, content=HTML_ERROR_PAGE, headers={"Content-Type": "text/html"}
            )
        return httpx.Response(200, json=answer_game_log(dict(request.url.params), self.payloads))


@dataclass
class SlowTeamLogs(NBAStatsServer):
    """A stats.nba.com whose team game log takes `delay` seconds, so a sync can be killed
    after the player rows arrived and while it waits; `team_asked` is set when that wait starts."""

    delay: float = 30.0
    team_asked: threading.Event = field(default_factory=threading.Event)

    def handle(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if params.get("PlayerOrTeam") == "T" and self.delay:
            self.team_asked.set()
            time.sleep(self.delay)
        return super().handle(path, params)
