"""A client for The Odds API v4 player-prop markets (events, then each event's odds).

Prop markets are only served per event (`/events/{id}/odds`), each call costing quota in
proportion to markets x regions, so the sync lists the day's events first and then asks each
for the prop markets the project prices, in American odds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Unpack

from statmusepicks.core.errors import UpstreamError
from statmusepicks.core.settings import Settings
from statmusepicks.data.clients.payloads import PayloadRef
from statmusepicks.data.clients.upstream import UpstreamJSONClient, Wiring, upstream_from_settings

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
# The Odds API allows 30 requests/second; 60/minute keeps a daily sync far below that and
# below the per-month quota of the small plans.
REQUESTS_PER_MINUTE = 60


@dataclass(frozen=True)
class OddsResponse:
    """A decoded response and the reference of its raw body."""

    payload: Any
    payload_ref: PayloadRef | None


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
            burst=5,
            redact_params=("apiKey",),
            **wiring,
        )
        return cls(http, settings.odds_api_key or "")

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    def get_events(self, *, sport: str = SPORT) -> OddsResponse:
        """Upcoming and live events: id, commence_time, home_team, away_team."""
        response = self.http.get_json(
            f"sports/{sport}/events", {"apiKey": self.api_key, "dateFormat": "iso"}
        )
        if not isinstance(response.payload, list):
            raise UpstreamError(
                f"The Odds API events answer is a {type(response.payload).__name__}, not a list"
            )
        return OddsResponse(response.payload, response.ref)

    def get_event_odds(
        self,
        event_id: str,
        *,
        markets: Sequence[str] = tuple(PROP_MARKETS),
        regions: str = "us",
        sport: str = SPORT,
    ) -> OddsResponse:
        """One event's bookmakers -> markets -> Over/Under outcomes, American prices."""
        response = self.http.get_json(
            f"sports/{sport}/events/{event_id}/odds",
            {
                "apiKey": self.api_key,
                "regions": regions,
                "markets": ",".join(markets),
                "oddsFormat": "american",
                "dateFormat": "iso",
            },
        )
        if not isinstance(response.payload, dict) or "bookmakers" not in response.payload:
            raise UpstreamError(f"The Odds API odds answer for event {event_id} has no bookmakers")
        return OddsResponse(response.payload, response.ref)
