"""A client for The Odds API v4 player-prop markets (events, then each event's odds).

Prop markets are only served per event (`/events/{id}/odds`), each call costing quota in
proportion to markets x regions, so the sync lists the day's events first and then asks each
for the prop markets the project prices, in American odds. The historical endpoints
(`/historical/...?date=`) answer the same objects as they stood at a past moment, wrapped in
`{"timestamp", "previous_timestamp", "next_timestamp", "data"}`, at ten times the cost.
Every answer carries the account's quota in its headers (`Quota`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Unpack

from statmusepicks.core.errors import UpstreamError
from statmusepicks.core.settings import Settings
from statmusepicks.data.clients.payloads import PayloadRef
from statmusepicks.data.clients.upstream import (
    JSONResponse,
    UpstreamJSONClient,
    Wiring,
    upstream_from_settings,
)

SOURCE = "odds_api"
SPORT = "basketball_nba"
# The Odds API market key -> the project's market name (as in prop_lines.market).
PROP_MARKETS = {
    "player_points": "points",
    "player_rebounds": "rebounds",
    "player_assists": "assists",
    "player_threes": "threes",
    "player_points_rebounds_assists": "pra",
    "player_blocks": "blocks",
    "player_steals": "steals",
}
# The Odds API allows 30 requests/second; 60/minute keeps a daily sync far below that. The
# burst lets one sync's event-odds calls go at once: a 36-hour horizon holds up to two slates
# of 15 games, and pacing them a second apart made a sync wait up to 24 s. The monthly quota
# is guarded separately, by the snapshot budget (`odds_budget.py`).
REQUESTS_PER_MINUTE = 60
BURST = 30
# Quota cost of one event-odds call per market and region; historical snapshots cost ten times
# as much (The Odds API's "usage quota costs" table).
COST_PER_MARKET = 1
HISTORICAL_COST_FACTOR = 10


@dataclass(frozen=True)
class Quota:
    """The request quota an answer reports: left in the period, used so far, cost of the call."""

    remaining: int | None = None
    used: int | None = None
    last: int | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Quota:
        """Read `x-requests-remaining`, `x-requests-used` and `x-requests-last`."""

        def number(name: str) -> int | None:
            value = headers.get(name)
            try:
                return int(float(value)) if value is not None else None
            except ValueError:
                return None

        return cls(
            number("x-requests-remaining"), number("x-requests-used"), number("x-requests-last")
        )


@dataclass(frozen=True)
class OddsResponse:
    """A decoded response, the reference of its raw body and the quota it reported.

    `snapshot_at` is the moment a historical answer stands for (its `timestamp`).
    """

    payload: Any
    payload_ref: PayloadRef | None
    quota: Quota = field(default_factory=Quota)
    snapshot_at: str | None = None


class OddsAPIClient:
    """The two endpoints a prop sync needs. The key travels as a query parameter (`apiKey`)."""

    def __init__(self, http: UpstreamJSONClient, api_key: str) -> None:
        if not api_key:
            raise UpstreamError(
                "ODDS_API_KEY is not set: use `statmusepicks lines import FILE` instead"
            )
        self.http = http
        self.api_key = api_key

    @classmethod
    def from_settings(cls, settings: Settings, **wiring: Unpack[Wiring]) -> OddsAPIClient:
        """A client configured from settings (key, base URL, retries, raw payload store)."""
        http = upstream_from_settings(
            settings,
            source=SOURCE,
            base_url=settings.odds_api_base_url,
            requests_per_minute=REQUESTS_PER_MINUTE,
            headers={"Accept": "application/json"},
            burst=BURST,
            redact_params=("apiKey",),
            **wiring,
        )
        return cls(http, settings.odds_api_key or "")

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    def get_events(self, *, at: str | None = None, sport: str = SPORT) -> OddsResponse:
        """Upcoming and live events: id, commence_time, home_team, away_team.

        `at` (ISO 8601, UTC) asks the historical endpoint for the events listed at that moment,
        from the snapshot at or before it."""
        params = {"apiKey": self.api_key, "dateFormat": "iso"}
        return self._get(f"sports/{sport}/events", params, list, "events", at=at)

    def get_event_odds(
        self,
        event_id: str,
        *,
        at: str | None = None,
        markets: Sequence[str] = tuple(PROP_MARKETS),
        regions: str = "us",
        sport: str = SPORT,
    ) -> OddsResponse:
        """One event's bookmakers -> markets -> Over/Under outcomes, American prices; as they
        stood at `at` (the historical snapshot at or before it) when given."""
        params = {
            "apiKey": self.api_key,
            "regions": regions,
            "markets": ",".join(markets),
            "oddsFormat": "american",
            "dateFormat": "iso",
        }
        path = f"sports/{sport}/events/{event_id}/odds"
        return self._get(path, params, dict, "event_odds", at=at, what=f"odds for event {event_id}")

    def _get(
        self,
        path: str,
        params: dict[str, str],
        kind: type,
        label: str,
        *,
        at: str | None,
        what: str | None = None,
    ) -> OddsResponse:
        """Ask the live endpoint, or with `at` its historical twin (`historical/...?date=`),
        whose answer wraps the same object in a snapshot envelope."""
        what = what or label.replace("_", " ")
        if at is None:
            return _answer(self.http.get_json(path, params, label=label), kind, what)
        response = self.http.get_json(
            f"historical/{path}", {**params, "date": at}, label=f"historical_{label}"
        )
        return _answer(response, kind, f"historical {what}", historical=True)


def odds_call_cost(markets: int, regions: int = 1, *, historical: bool = False) -> int:
    """Quota one event-odds call costs (the API charges per market and region)."""
    factor = HISTORICAL_COST_FACTOR if historical else 1
    return COST_PER_MARKET * max(markets, 1) * max(regions, 1) * factor


def _answer(
    response: JSONResponse, kind: type, what: str, *, historical: bool = False
) -> OddsResponse:
    """Unwrap a (historical) answer and check it holds what `what` promises."""
    payload, snapshot_at = response.payload, None
    if historical:
        if not isinstance(payload, dict) or "data" not in payload:
            raise UpstreamError(f"The Odds API {what} answer is not a historical snapshot")
        snapshot_at = payload.get("timestamp")
        payload = payload["data"]
    if not isinstance(payload, kind):
        raise UpstreamError(
            f"The Odds API {what} answer is a {type(payload).__name__}, not a {kind.__name__}"
        )
    if isinstance(payload, dict) and "bookmakers" not in payload:
        raise UpstreamError(f"The Odds API {what} has no bookmakers")
    return OddsResponse(payload, response.ref, Quota.from_headers(response.headers), snapshot_at)
