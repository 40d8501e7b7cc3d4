"""Stand-ins for the network edge: stats.nba.com, The Odds API and language-model servers,
replaying the real formats.

`NBAStatsServer` is a real HTTP server on 127.0.0.1 (an ephemeral port) answering
`/stats/leaguegamelog` from the fixture payloads, filtered by Season, SeasonType, DateFrom and
DateTo like the real endpoint; queued failures (429, 500...) are served first.
The games after 2025-11-14 it serves are FABRICATED fixtures (see tests/fixtures/build_fixtures.py).
`LLMServer` is a real HTTP server speaking Ollama's NDJSON `/api/generate` and `/api/chat` and
OpenAI's SSE `/v1/chat/completions`, with slow, broken, malformed and failing modes.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from tests.fakes.http_server import base_url, reply, serve_handler

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NBA_FIXTURES = FIXTURES / "nba_stats"
ODDS_FIXTURES = FIXTURES / "odds_api"


def nba_fixture(name: str) -> dict[str, Any]:
    """A stats.nba.com fixture payload (a fresh copy, safe to mutate)."""
    return json.loads((NBA_FIXTURES / name).read_text())


def odds_fixture(name: str) -> Any:
    """An Odds API fixture payload."""
    return json.loads((ODDS_FIXTURES / name).read_text())


def game_log_rows(kind: str) -> dict[str, Any]:
    """Every fixture row of leaguegamelog P or T: the real 2025-11-14 and the fabricated days."""
    real = nba_fixture(f"leaguegamelog_{kind}_2025-11-14.json")
    fake = nba_fixture(f"leaguegamelog_{kind}_fabricated.json")
    real["resultSets"][0]["rowSet"] += fake["resultSets"][0]["rowSet"]
    return real


def answer_game_log(params: dict[str, str], payloads: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What leaguegamelog answers for these parameters, from the fixture rows."""
    payload = copy.deepcopy(payloads[params.get("PlayerOrTeam", "T")])
    result = payload["resultSets"][0]
    headers = result["headers"]
    date_at = headers.index("GAME_DATE")

    def day(value: str) -> dt.date | None:
        return dt.datetime.strptime(value, "%m/%d/%Y").date() if value else None

    since, until = day(params.get("DateFrom", "")), day(params.get("DateTo", ""))
    keep = params.get("SeasonType") == "Regular Season" and params.get("Season") == "2025-26"
    result["rowSet"] = [
        row
        for row in result["rowSet"]
        if keep
        and isinstance(row, list)
        and len(row) > date_at
        and (since is None or dt.date.fromisoformat(str(row[date_at])[:10]) >= since)
        and (until is None or dt.date.fromisoformat(str(row[date_at])[:10]) <= until)
    ]
    payload["parameters"] = params
    return payload


@dataclass
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class NBAStatsServer:
    """A local stats.nba.com: `base_url` goes into NBA_API_BASE_URL."""

    payloads: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"P": game_log_rows("P"), "T": game_log_rows("T")}
    )
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    base_url: str = ""

    def handle(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if self.failures:
            status, headers = self.failures.pop(0)
            return status, headers, b'{"message": "injected failure"}'
        if path.rstrip("/").endswith("/leaguegamelog"):
            body = json.dumps(answer_game_log(params, self.payloads)).encode()
            return 200, {"Content-Type": "application/json"}, body
        return 404, {}, b"not found"


@contextmanager
def running(server: NBAStatsServer) -> Iterator[NBAStatsServer]:
    """Serve `server` on 127.0.0.1 in a thread for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            params = {
                key: values[-1]
                for key, values in parse_qs(url.query, keep_blank_values=True).items()
            }
            server.requests.append(RecordedRequest(url.path, params, dict(self.headers.items())))
            status, headers, body = server.handle(url.path, params)
            reply(self, status, headers, body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    with serve_handler(Handler) as httpd:
        server.base_url = f"{base_url(httpd)}/stats"
        yield server


def odds_transport(
    *, events: Any | None = None, event_odds: Callable[[str], Any] | None = None
) -> httpx.MockTransport:
    """The Odds API v4 from the fixtures: events list, then per-event odds (404 if unknown)."""

    def default_odds(event_id: str) -> Any:
        path = ODDS_FIXTURES / f"event_odds_{event_id}.json"
        return json.loads(path.read_text()) if path.exists() else None

    fetch = event_odds or default_odds

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("apiKey") != "test-key":
            return httpx.Response(401, json={"message": "API key is not valid"})
        if request.url.path.endswith("/events"):
            return httpx.Response(
                200, json=events if events is not None else odds_fixture("events_2025-11-14.json")
            )
        event_id = request.url.path.rstrip("/").split("/")[-2]
        payload = fetch(event_id)
        if payload is None:
            return httpx.Response(404, json={"message": "Event not found"})
        return httpx.Response(200, json=payload)

    return httpx.MockTransport(handler)


class FakeClock:
    """A clock whose sleeps advance time instantly (rate-limit tests never really wait)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.time = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds


LLM_MODEL = "llama3.1:8b"
LLM_CREATED_AT = "2025-11-14T18:00:00.000000Z"


@dataclass
class LLMServer:
    """A local Ollama and OpenAI-compatible server (`ollama_url`, `openai_url`).

    It answers every prompt with `chunks`, `delay` seconds apart. `break_after` closes the
    connection after that many chunks without ending the chunked body (a broken stream);
    `malformed` inserts a line that is not JSON; `status` answers that HTTP error instead.
    `aborted` counts streams whose client went away before the end; `completed` those served
    to the end; `requests` keeps every (path, JSON body).
    """

    chunks: list[str] = field(default_factory=lambda: ["The ", "over ", "looks ", "fair."])
    delay: float = 0.0
    break_after: int | None = None
    malformed: bool = False
    status: int | None = None
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    aborted: int = 0
    completed: int = 0
    base_url: str = ""

    @property
    def ollama_url(self) -> str:
        return self.base_url

    @property
    def openai_url(self) -> str:
        return f"{self.base_url}/v1"

    def events(self, path: str) -> tuple[str, list[bytes], bytes]:
        """Content type, one encoded event per chunk, and the closing event of a path's format."""
        if path == "/api/generate":
            body = [{"response": chunk, "done": False} for chunk in self.chunks]
            final = {"response": "", "done": True, "done_reason": "stop", "eval_count": 9}
            return "application/x-ndjson", [_ndjson(e) for e in body], _ndjson(final)
        if path == "/api/chat":
            body = [
                {"message": {"role": "assistant", "content": chunk}, "done": False}
                for chunk in self.chunks
            ]
            final = {"message": {"role": "assistant", "content": ""}, "done": True}
            return "application/x-ndjson", [_ndjson(e) for e in body], _ndjson(final)
        events = [_completion_event(chunk) for chunk in self.chunks]
        return "text/event-stream", events, b"data: [DONE]\n\n"


def _ndjson(event: dict[str, Any]) -> bytes:
    return json.dumps({"model": LLM_MODEL, "created_at": LLM_CREATED_AT, **event}).encode() + b"\n"


def _completion_event(chunk: str) -> bytes:
    event = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1763143200,
        "model": LLM_MODEL,
        "choices": [{"index": 0, "delta": {"content": chunk}, "finish_reason": None}],
    }
    return f"data: {json.dumps(event)}\n\n".encode()


@contextmanager
def running_llm(server: LLMServer) -> Iterator[LLMServer]:
    """Serve `server` on 127.0.0.1 in a thread for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            server.requests.append((self.path, body))
            if server.status is not None:
                payload = json.dumps({"error": "model 'nope' not found"}).encode()
                reply(self, server.status, {"Content-Type": "application/json"}, payload)
                return
            content_type, events, final = server.events(self.path)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.close_connection = True
            try:
                garbage = b"{not json\n" if "ndjson" in content_type else b"data: {not json\n\n"
                self._stream(events, final, garbage)
            except (BrokenPipeError, ConnectionResetError):
                server.aborted += 1

        def _write(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _stream(self, events: list[bytes], final: bytes, garbage: bytes) -> None:
            for index, event in enumerate(events):
                if index == server.break_after:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if server.malformed and index == 1:
                    self._write(garbage)
                self._write(event)
                time.sleep(server.delay)
            self._write(final)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            server.completed += 1

        def log_message(self, format: str, *args: Any) -> None:
            return

    with serve_handler(Handler) as httpd:
        server.base_url = base_url(httpd)
        yield server


def main() -> None:
    """Serve the fixture stats.nba.com until Ctrl-C: `python -m tests.upstream_fakes`."""
    import time

    with running(NBAStatsServer()) as server:
        print(f"NBA_API_BASE_URL={server.base_url}  (fabricated games 2025-11-15/16)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
