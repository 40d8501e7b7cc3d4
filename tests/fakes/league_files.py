"""A local stand-in for the league's static files: the season schedule and the injury report.

`LeagueFiles` answers, on a real HTTP server on a free loopback port:
- `/static/json/staticData/scheduleLeagueV2.json`: the schedule document in NBA.com's format
  (tests/fixtures/nba_cdn/scheduleLeagueV2_2025-26.json unless replaced);
- `/referee/injury/Injury-Report_<stamp>.json`: the records of the report published at that
  New York time, in the shape the `nbainjuries` package emits from the official PDF
  (Game Date, Game Time, Matchup, Team, Player Name 'Last, First', Current Status, Reason),
  and 404 for a stamp with no report, as the league's server does.

Its `schedule_url` and `injury_url` go into NBA_SCHEDULE_URL and INJURY_REPORT_URL.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from statmusepicks.services.container import Container
from tests.fakes.http_server import base_url, reply, serve_handler

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nba_cdn"
SCHEDULE_PATH = "/static/json/staticData/scheduleLeagueV2.json"
INJURY_PREFIX = "/referee/injury/Injury-Report_"
NEW_YORK = ZoneInfo("America/New_York")


def schedule_fixture() -> dict[str, Any]:
    """The fixture schedule document (a fresh copy, safe to mutate)."""
    data: dict[str, Any] = json.loads((FIXTURES / "scheduleLeagueV2_2025-26.json").read_text())
    return data


def stamp(moment: dt.datetime) -> str:
    """The report's file stamp of a New York time: '2025-11-12_01_00PM'."""
    return moment.astimezone(NEW_YORK).strftime("%Y-%m-%d_%I_%M%p")


def report_record(
    player: str,
    team: str,
    status: str,
    *,
    matchup: str = "DEN@LAC",
    game_date: str = "11/12/2025",
    game_time: str = "10:30 (ET)",
    reason: str = "Injury/Illness - Left Ankle; Sprain",
) -> dict[str, Any]:
    """One record of the report as the league lays it out ('Last, First' names)."""
    first, _, last = player.partition(" ")
    return {
        "Game Date": game_date,
        "Game Time": game_time,
        "Matchup": matchup,
        "Team": team,
        "Player Name": f"{last}, {first}",
        "Current Status": status,
        "Reason": reason,
    }


@dataclass
class LeagueFiles:
    """The schedule and the injury reports by publication time (New York)."""

    schedule: dict[str, Any] = field(default_factory=schedule_fixture)
    reports: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base_url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, at: dt.datetime, records: list[dict[str, Any]]) -> None:
        """Publish a report at a moment (its stamp is that moment in New York)."""
        self.reports[stamp(at)] = records

    @property
    def schedule_url(self) -> str:
        return self.base_url + SCHEDULE_PATH

    @property
    def injury_url(self) -> str:
        return self.base_url + INJURY_PREFIX + "{stamp}.json"

    def answer(self, path: str) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(path)
        if path == SCHEDULE_PATH:
            return 200, self.schedule
        if path.startswith(INJURY_PREFIX) and path.endswith(".json"):
            found = self.reports.get(path.removeprefix(INJURY_PREFIX).removesuffix(".json"))
            if found is not None:
                return 200, found
        return 404, {"message": "Not Found"}


@contextmanager
def league_files(files: LeagueFiles | None = None) -> Iterator[LeagueFiles]:
    """Serve `files` on a free loopback port for the duration of the block."""
    served = files or LeagueFiles()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = served.answer(self.path.split("?", 1)[0])
            data = json.dumps(body).encode()
            reply(self, status, {"Content-Type": "application/json"}, data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    with serve_handler(Handler) as httpd:
        served.base_url = base_url(httpd)
        yield served


@contextmanager
def league_files_for(container: Container) -> Iterator[LeagueFiles]:
    """Serve fresh league files and point the container's schedule and report URLs at them."""
    with league_files() as served:
        container.settings = container.settings.model_copy(
            update={"nba_schedule_url": served.schedule_url, "injury_report_url": served.injury_url}
        )
        yield served
