"""The Odds API client: v4 events and per-event prop odds, the key kept out of the audit trail."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from statmusepicks.core.errors import UpstreamError
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import BOOK_MARKETS
from statmusepicks.data.clients.odds_api import PROP_MARKETS, OddsAPIClient
from statmusepicks.data.clients.upstream import RetryPolicy
from statmusepicks.data.rate_limit import MemoryRateLimiter
from tests.upstream_fakes import FakeClock, odds_transport

EVENT = "46fc9b98835561f7bfa81c7275b3ed37"


def make_client(
    tmp_path: Path, transport: httpx.BaseTransport, key: str | None = "test-key"
) -> OddsAPIClient:
    settings = Settings(
        environment="test",
        var_dir=tmp_path,
        odds_api_key=key,
        odds_api_base_url="https://odds.test/v4",
        _env_file=None,  # type: ignore[call-arg]
    )
    return OddsAPIClient.from_settings(
        settings,
        transport=transport,
        rate_limiter=MemoryRateLimiter(60, clock=FakeClock()),
        retry=RetryPolicy(sleep=lambda _: None),
    )


def test_events_list_the_days_games(tmp_path: Path) -> None:
    events = make_client(tmp_path, odds_transport()).get_events().payload
    assert len(events) == 9
    assert {"id", "commence_time", "home_team", "away_team"} <= set(events[0])


def test_event_odds_ask_for_every_prop_market_in_american_prices(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    inner = odds_transport()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return inner.handle_request(request)

    response = make_client(tmp_path, httpx.MockTransport(handler)).get_event_odds(EVENT)
    params = seen[0].url.params
    assert seen[0].url.path == f"/v4/sports/basketball_nba/events/{EVENT}/odds"
    assert params["oddsFormat"] == "american"
    assert params["regions"] == "us"
    assert set(params["markets"].split(",")) == set(PROP_MARKETS)
    outcome = response.payload["bookmakers"][0]["markets"][0]["outcomes"][0]
    assert {"name", "description", "price", "point"} <= set(outcome)


def test_the_api_key_never_reaches_the_payload_audit_trail(tmp_path: Path) -> None:
    ref = make_client(tmp_path, odds_transport()).get_events().payload_ref
    assert ref is not None
    assert "apiKey" not in ref.params


def test_a_bad_key_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UpstreamError, match="HTTP 401"):
        make_client(tmp_path, odds_transport(), key="wrong").get_events()


def test_without_a_key_the_client_points_to_the_file_import(tmp_path: Path) -> None:
    with pytest.raises(UpstreamError, match="lines import"):
        make_client(tmp_path, odds_transport(), key=None)


def test_an_answer_that_is_not_an_event_list_is_rejected(tmp_path: Path) -> None:
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, json={"message": "x"}))
    with pytest.raises(UpstreamError, match="not a list"):
        make_client(tmp_path, transport).get_events()


def test_the_odds_api_markets_are_the_book_markets() -> None:
    assert tuple(PROP_MARKETS.values()) == BOOK_MARKETS
