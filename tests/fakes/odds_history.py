"""A local The Odds API v4 replaying the bundled 2025-26 prop lines, live and historical.

The historical endpoints answer what the real ones do: `/v4/historical/sports/basketball_nba/
events?date=` and `/v4/historical/sports/basketball_nba/events/{id}/odds?date=&markets=`, each
wrapped as `{"timestamp", "previous_timestamp", "next_timestamp", "data"}` (snapshots every 5
minutes, the one at or before `date`). The live endpoints answer as of `OddsHistory.now`.
Every answer carries the quota headers (`x-requests-remaining`, `x-requests-used`,
`x-requests-last`), charged like the real API: live event lists are free, historical ones cost
1, event odds cost one per market (times ten for history).

Each bundled line is one snapshot stamped with its estimated capture time (the bundle has no
capture times; `read_prop_lines` estimates 17:00 New York on the game day for the daily files),
moved to one hour before tip-off when that estimate falls after it (afternoon games), so a
replay sees every bundled line before its game. Before a book's first snapshot an event is
listed without that book, as the real API lists events before props are posted.

Use `OddsHistory.from_bundle()` with `odds_history_transport(history)` (an httpx transport) or
`odds_history_server(history)` (a real server on a free loopback port; its `base_url` goes
into ODDS_API_BASE_URL).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pandas as pd

from statmusepicks.data.clients.odds_api import HISTORICAL_COST_FACTOR, PROP_MARKETS, SPORT
from statmusepicks.data.clients.teams import TEAM_NAME_BY_CODE
from statmusepicks.data.ingest.bundled import read_prop_lines
from tests.fakes.http_server import base_url, reply, serve_handler

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "data" / "bundled"
FIRST_DAY, LAST_DAY = dt.date(2025, 10, 21), dt.date(2025, 11, 14)
SNAPSHOT_STEP = dt.timedelta(minutes=5)
# The real API lists a game a few days ahead.
LISTED_AHEAD = dt.timedelta(days=3)
BEFORE_TIP = dt.timedelta(hours=1)
MARKET_KEYS = {name: key for key, name in PROP_MARKETS.items()}
API_KEY = "test-key"


def _iso(moment: pd.Timestamp | dt.datetime) -> str:
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def event_key(game_date: Any, away: str, home: str) -> str:
    """A stable 32-hex id for a game without a recorded event id."""
    return hashlib.md5(f"{game_date}:{away}@{home}".encode()).hexdigest()


@dataclass
class OddsHistory:
    """Prop-line snapshots by event, answered as The Odds API would at any moment."""

    lines: pd.DataFrame
    remaining: int = 100_000
    used: int = 0
    now: dt.datetime = dt.datetime(2025, 11, 14, 15, 0, tzinfo=dt.UTC)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        frame = self.lines.copy()
        frame["commence_time"] = pd.to_datetime(frame["commence_time"], utc=True)
        captured = pd.to_datetime(frame["captured_at"], utc=True)
        frame["captured_at"] = captured.where(
            captured < frame["commence_time"], frame["commence_time"] - BEFORE_TIP
        )
        frame["captured_iso"] = frame["captured_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        missing = frame["event_id"].isna()
        frame.loc[missing, "event_id"] = [
            event_key(d, a, h)
            for d, a, h in frame.loc[missing, ["game_date", "away_team", "home_team"]].itertuples(
                index=False
            )
        ]
        self.lines = frame
        self.events = {
            str(key): group.sort_values("captured_at")
            for key, group in frame.groupby("event_id", sort=False)
        }
        self.listing = (
            frame.drop_duplicates("event_id")[
                ["event_id", "commence_time", "home_team", "away_team"]
            ]
            .sort_values("commence_time")
            .reset_index(drop=True)
        )

    @classmethod
    def from_bundle(
        cls,
        data_dir: Path = BUNDLED_DIR,
        first: dt.date = FIRST_DAY,
        last: dt.date = LAST_DAY,
        **options: Any,
    ) -> OddsHistory:
        """The bundled prop lines of `first`..`last` (default: all of 2025-26 in the bundle)."""
        lines = read_prop_lines(data_dir)
        day = pd.to_datetime(lines["game_date"]).dt.date
        return cls(lines[(day >= first) & (day <= last)].reset_index(drop=True), **options)

    # -------------------------------------------------------------------------- answers
    def events_at(self, moment: dt.datetime) -> list[dict[str, Any]]:
        """Events listed at `moment`: not started, tipping off within LISTED_AHEAD."""
        at = pd.Timestamp(moment)
        rows = self.listing[
            (self.listing["commence_time"] > at)
            & (self.listing["commence_time"] <= at + LISTED_AHEAD)
        ]
        return [self._event(row) for row in rows.itertuples(index=False)]

    def event_odds_at(
        self, event_id: str, moment: dt.datetime, markets: list[str]
    ) -> dict[str, Any] | None:
        """One event with each book's latest market snapshots at `moment` (None if unknown)."""
        rows = self.events.get(event_id)
        if rows is None:
            return None
        event = self._event(rows.iloc[0])
        wanted = {PROP_MARKETS[m] for m in markets if m in PROP_MARKETS}
        seen = rows[(rows["captured_at"] <= pd.Timestamp(moment)) & rows["market"].isin(wanted)]
        # Rows are in capture order: a book's market snapshot is its rows at its last capture.
        last = seen.groupby(["bookmaker", "market"])["captured_at"].transform("max")
        latest = seen[seen["captured_at"] == last]
        event["bookmakers"] = self._bookmakers(latest)
        return event

    @staticmethod
    def _bookmakers(latest: pd.DataFrame) -> list[dict[str, Any]]:
        """Book -> market -> Over/Under outcomes, in the API's nesting."""
        books: dict[str, dict[str, Any]] = {}
        columns = ["bookmaker", "market", "captured_iso", "player_name", "line"]
        rows = latest.sort_values(["bookmaker", "market"])[columns].assign(
            over_price=latest["over_price"].astype(float),
            under_price=latest["under_price"].astype(float),
        )
        for row in rows.to_dict("records"):
            stamp = row["captured_iso"]
            book = books.setdefault(
                row["bookmaker"],
                {
                    "key": row["bookmaker"],
                    "title": row["bookmaker"],
                    "last_update": stamp,
                    "markets": {},
                },
            )
            book["last_update"] = max(book["last_update"], stamp)
            market = book["markets"].setdefault(
                row["market"],
                {"key": MARKET_KEYS[row["market"]], "last_update": stamp, "outcomes": []},
            )
            for side, price in (("Over", row["over_price"]), ("Under", row["under_price"])):
                if not pd.isna(price):
                    market["outcomes"].append(
                        {
                            "name": side,
                            "description": str(row["player_name"]),
                            "price": int(price),
                            "point": float(row["line"]),
                        }
                    )
        return [{**book, "markets": list(book["markets"].values())} for book in books.values()]

    @staticmethod
    def _event(row: Any) -> dict[str, Any]:
        return {
            "id": str(row.event_id),
            "sport_key": SPORT,
            "sport_title": "NBA",
            "commence_time": _iso(row.commence_time),
            "home_team": TEAM_NAME_BY_CODE.get(str(row.home_team), str(row.home_team)),
            "away_team": TEAM_NAME_BY_CODE.get(str(row.away_team), str(row.away_team)),
        }

    # -------------------------------------------------------------------------- HTTP
    def handle(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        """Status, headers and JSON body of one GET, charging the quota like the real API."""
        with self._lock:
            self.requests.append((path, params))
            if params.get("apiKey") != API_KEY:
                return 401, {}, {"message": "API key is not valid"}
            parts = [p for p in path.split("/") if p]
            historical = "historical" in parts
            if historical:
                try:
                    moment = pd.Timestamp(params["date"]).to_pydatetime()
                except (KeyError, ValueError):
                    return 422, {}, {"message": "Invalid historical timestamp"}
            else:
                moment = self.now
            markets = [m for m in params.get("markets", "").split(",") if m]
            if parts[-1] == "events":
                return self._charged(
                    1 if historical else 0, historical, moment, self.events_at(moment)
                )
            if parts[-1] == "odds" and len(parts) >= 2:
                event = self.event_odds_at(parts[-2], moment, markets)
                if event is None:
                    return 404, {}, {"message": "Event not found"}
                cost = max(len(markets), 1) * (HISTORICAL_COST_FACTOR if historical else 1)
                return self._charged(cost, historical, moment, event)
            return 404, {}, {"message": "Unknown endpoint"}

    def _charged(
        self, cost: int, historical: bool, moment: dt.datetime, data: Any
    ) -> tuple[int, dict[str, str], Any]:
        if cost > self.remaining:
            return 429, self._quota_headers(0), {"message": "Usage quota has been reached"}
        self.remaining -= cost
        self.used += cost
        if historical:
            stamp = pd.Timestamp(moment).tz_convert("UTC").floor(SNAPSHOT_STEP)
            data = {
                "timestamp": _iso(stamp),
                "previous_timestamp": _iso(stamp - SNAPSHOT_STEP),
                "next_timestamp": _iso(stamp + SNAPSHOT_STEP),
                "data": data,
            }
        return 200, self._quota_headers(cost), data

    def _quota_headers(self, last: int) -> dict[str, str]:
        return {
            "x-requests-remaining": str(self.remaining),
            "x-requests-used": str(self.used),
            "x-requests-last": str(last),
        }


def odds_history_transport(history: OddsHistory) -> httpx.MockTransport:
    """An httpx transport answering from `history` (any base URL ending in /v4)."""

    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params.items())
        status, headers, body = history.handle(request.url.path, params)
        return httpx.Response(status, json=body, headers=headers)

    return httpx.MockTransport(handler)


@contextmanager
def odds_history_server(history: OddsHistory) -> Iterator[str]:
    """Serve `history` on a free loopback port; yields the base URL (`.../v4`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            status, headers, payload = history.handle(url.path, params)
            body = json.dumps(payload).encode()
            reply(self, status, {**headers, "Content-Type": "application/json"}, body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    with serve_handler(Handler) as httpd:
        yield f"{base_url(httpd)}/v4"
