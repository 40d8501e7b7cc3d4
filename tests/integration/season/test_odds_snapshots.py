"""Game-day odds snapshots: historical replay, the as-of boundary, the quota budget, and each
prop's opening and closing price."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from statmusepicks.data.clients.odds_api import PROP_MARKETS
from statmusepicks.data.clients.upstream import RetryPolicy, Wiring
from statmusepicks.data.db.models import PropLine
from statmusepicks.data.repositories.prop_lines import opening_closing
from statmusepicks.services.container import Container
from statmusepicks.services.odds_jobs import pre_tip_snapshot, sync_odds_snapshot
from tests.fakes.odds_history import OddsHistory, odds_history_server, odds_history_transport
from tests.upstream_fakes import FakeClock, odds_fixture, odds_transport

DAY = dt.date(2025, 11, 14)
# 17:30 New York: after the bundle's daily snapshot (17:00), before the evening tip-offs.
EVENING = dt.datetime(2025, 11, 14, 22, 30, tzinfo=dt.UTC)
EVENT = "46fc9b98835561f7bfa81c7275b3ed37"  # GSW @ SAS, tip 2025-11-15T02:40Z


@pytest.fixture(scope="module")
def bundle_day() -> OddsHistory:
    return OddsHistory.from_bundle(first=DAY, last=DAY)


def wired(transport: httpx.BaseTransport) -> Wiring:
    return {
        "transport": transport,
        "clock": FakeClock(),
        "retry": RetryPolicy(sleep=lambda _: None),
    }


def only(payload: dict[str, Any]) -> Callable[[str], Any]:
    """Odds for EVENT only (every other event answers 404)."""
    return lambda event_id: payload if event_id == EVENT else None


def fresh(history: OddsHistory, events: int | None = None, **options: Any) -> OddsHistory:
    """A new stand-in over the same lines (its own quota), optionally the first `events` only."""
    lines = history.lines
    if events is not None:
        kept = history.listing["event_id"].head(events)
        lines = lines[lines["event_id"].isin(kept)]
    return OddsHistory(lines.drop(columns="captured_iso"), **options)


def stored(container: Container) -> int:
    with container.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(PropLine)) or 0)


def test_the_stand_in_answers_in_the_historical_format_and_charges_the_quota(
    bundle_day: OddsHistory,
) -> None:
    history = fresh(bundle_day, remaining=1000)
    with odds_history_server(history) as base_url:
        answer = httpx.get(
            f"{base_url}/historical/sports/basketball_nba/events",
            params={"apiKey": "test-key", "date": "2025-11-14T22:33:10Z"},
        )
        body = answer.json()
        assert set(body) == {"timestamp", "previous_timestamp", "next_timestamp", "data"}
        assert (body["timestamp"], body["previous_timestamp"], body["next_timestamp"]) == (
            "2025-11-14T22:30:00Z",
            "2025-11-14T22:25:00Z",
            "2025-11-14T22:35:00Z",
        )
        event = body["data"][0]
        assert set(event) == {
            "id",
            "sport_key",
            "sport_title",
            "commence_time",
            "home_team",
            "away_team",
        }
        odds = httpx.get(
            f"{base_url}/historical/sports/basketball_nba/events/{event['id']}/odds",
            params={
                "apiKey": "test-key",
                "date": "2025-11-14T22:33:10Z",
                "markets": "player_points,player_rebounds",
                "regions": "us",
            },
        )
    assert (answer.headers["x-requests-last"], answer.headers["x-requests-remaining"]) == (
        "1",
        "999",
    )
    assert odds.headers["x-requests-last"] == "20"  # 2 markets x 10 for a historical snapshot
    assert odds.headers["x-requests-used"] == "21"
    markets = {m["key"] for b in odds.json()["data"]["bookmakers"] for m in b["markets"]}
    assert markets == {"player_points", "player_rebounds"}
    outcome = odds.json()["data"]["bookmakers"][0]["markets"][0]["outcomes"][0]
    assert set(outcome) == {"name", "description", "price", "point"}


def test_a_historical_snapshot_stores_lines_captured_by_as_of_and_a_rerun_adds_nothing(
    market_container: Container, bundle_day: OddsHistory
) -> None:
    history = fresh(bundle_day, events=2)
    transport = odds_history_transport(history)
    report = sync_odds_snapshot(market_container, EVENING, historical=True, **wired(transport))
    assert report.ok, report.errors
    assert report.details["historical"] is True
    assert report.details["budget"]["mode"] == "full"
    assert report.rows == stored(market_container) > 500
    with market_container.sessions() as session:
        latest = session.scalar(select(func.max(PropLine.captured_at)))
        sources = set(session.scalars(select(PropLine.source).distinct()))
    assert latest is not None
    assert latest.replace(tzinfo=dt.UTC) <= EVENING
    assert sources == {"odds_api_historical"}

    again = sync_odds_snapshot(market_container, EVENING, historical=True, **wired(transport))
    assert again.rows == 0
    assert stored(market_container) == report.rows


def test_before_the_books_post_props_a_historical_snapshot_stores_nothing(
    market_container: Container, bundle_day: OddsHistory
) -> None:
    morning = dt.datetime(2025, 11, 14, 15, 0, tzinfo=dt.UTC)  # 10:00 New York
    transport = odds_history_transport(fresh(bundle_day))
    report = sync_odds_snapshot(market_container, morning, historical=True, **wired(transport))
    assert report.ok
    assert report.details["events_priced"] > 0
    # Only the few lines the bundle dates ten hours before tip-off are out by then.
    assert report.rows == stored(market_container) < 50
    with market_container.sessions() as session:
        latest = session.scalar(select(func.max(PropLine.captured_at)))
    assert latest is None or latest.replace(tzinfo=dt.UTC) <= morning


def test_a_low_quota_thins_the_snapshot_to_the_soonest_events_and_says_so(
    market_container: Container, bundle_day: OddsHistory
) -> None:
    # 7 markets x 10 = 70 requests per historical event; ~85 snapshots are left in November.
    history = fresh(bundle_day, remaining=85 * 150)
    report = sync_odds_snapshot(
        market_container, EVENING, historical=True, **wired(odds_history_transport(history))
    )
    budget = report.details["budget"]
    assert budget["mode"] == "thinned"
    assert "thinned to 2 events" in budget["reason"]
    assert report.details["events_priced"] == 2
    assert len(report.details["thinned_events"]) > 0
    assert report.details["quota_remaining"] == history.remaining
    assert report.details["requests_spent"] == 1 + 2 * 70


def test_a_quota_that_cannot_afford_one_event_skips_the_snapshot(
    market_container: Container, bundle_day: OddsHistory
) -> None:
    history = fresh(bundle_day, remaining=500)
    report = sync_odds_snapshot(
        market_container, EVENING, historical=True, **wired(odds_history_transport(history))
    )
    assert report.ok
    assert report.details["budget"]["mode"] == "skipped"
    assert report.details["events_priced"] == 0
    assert report.rows == 0
    assert history.remaining == 499  # only the event list was paid for


def test_a_live_snapshot_never_stores_a_price_stamped_after_as_of(
    market_container: Container,
) -> None:
    payload = odds_fixture(f"event_odds_{EVENT}.json")
    later = copy.deepcopy(payload)
    for book in later["bookmakers"][1:]:
        for market in book["markets"]:
            market["last_update"] = "2025-11-14T23:00:00Z"
    as_of = dt.datetime(2025, 11, 14, 22, 30, tzinfo=dt.UTC)
    transport = odds_transport(event_odds=only(later))
    report = sync_odds_snapshot(market_container, as_of, **wired(transport))
    assert report.details["future_rows_dropped"] > 0
    with market_container.sessions() as session:
        books = set(session.scalars(select(PropLine.bookmaker).distinct()))
    assert books == {payload["bookmakers"][0]["key"]}


def test_opening_and_closing_are_the_first_and_last_snapshots_before_tip_off(
    market_container: Container,
) -> None:
    opening = odds_fixture(f"event_odds_{EVENT}.json")
    book = opening["bookmakers"][0]
    market = book["markets"][0]
    market["last_update"] = "2025-11-14T15:00:00Z"
    outcome = market["outcomes"][0]

    def moved(stamp: str, step: int) -> dict[str, Any]:
        payload = copy.deepcopy(opening)
        changed = payload["bookmakers"][0]["markets"][0]
        changed["last_update"] = stamp
        changed["outcomes"][0]["price"] = outcome["price"] - step
        return payload

    snapshots = [
        (dt.datetime(2025, 11, 14, 15, 5, tzinfo=dt.UTC), opening),
        (dt.datetime(2025, 11, 14, 21, 5, tzinfo=dt.UTC), moved("2025-11-14T21:00:00Z", 10)),
        (dt.datetime(2025, 11, 15, 2, 10, tzinfo=dt.UTC), moved("2025-11-15T02:05:00Z", 20)),
    ]
    for as_of, payload in snapshots:
        transport = odds_transport(event_odds=only(payload))
        assert sync_odds_snapshot(market_container, as_of, **wired(transport)).ok
    # A live price after tip-off (02:40) is stored but is not the close.
    after_tip = moved("2025-11-15T02:50:00Z", 40)
    with market_container.engine.begin() as connection:
        row = dict(
            connection.execute(
                select(PropLine.__table__).where(
                    PropLine.bookmaker == book["key"],
                    PropLine.market == PROP_MARKETS[market["key"]],
                    PropLine.player_name == outcome["description"],
                    PropLine.line == outcome["point"],
                )
            )
            .mappings()
            .first()
            or {}
        )
        row.pop("id")
        row["captured_at"] = dt.datetime(2025, 11, 15, 2, 50, tzinfo=dt.UTC)
        row["over_price"] = after_tip["bookmakers"][0]["markets"][0]["outcomes"][0]["price"]
        connection.execute(insert(PropLine).values(**row))

    with market_container.sessions() as session:
        props = opening_closing(
            session, as_of=dt.datetime(2025, 11, 15, 6, 0, tzinfo=dt.UTC), since=DAY
        )
        early = opening_closing(
            session, as_of=dt.datetime(2025, 11, 14, 22, 0, tzinfo=dt.UTC), since=DAY
        )
    key = (
        (props["bookmaker"] == book["key"])
        & (props["market"] == PROP_MARKETS[market["key"]])
        & (props["player_name"] == outcome["description"])
        & (props["line"] == outcome["point"])
    )
    prop = props[key].iloc[0]
    assert prop["snapshots"] == 3
    assert prop["opening_over_price"] == outcome["price"]
    assert prop["closing_over_price"] == outcome["price"] - 20
    assert prop["closing_captured_at"] == dt.datetime(2025, 11, 15, 2, 5, tzinfo=dt.UTC)
    # As of 22:00 the close is provisional: the latest price seen by then.
    early_prop = early[
        (early["bookmaker"] == book["key"])
        & (early["market"] == PROP_MARKETS[market["key"]])
        & (early["player_name"] == outcome["description"])
        & (early["line"] == outcome["point"])
    ].iloc[0]
    assert early_prop["closing_over_price"] == outcome["price"] - 10
    assert early_prop["snapshots"] == 2


def test_the_pre_tip_snapshot_runs_before_the_first_stored_tip_off(
    market_container: Container,
) -> None:
    assert pre_tip_snapshot(market_container, DAY) is None
    transport = odds_transport(event_odds=only(odds_fixture(f"event_odds_{EVENT}.json")))
    assert sync_odds_snapshot(market_container, EVENING, **wired(transport)).ok
    assert pre_tip_snapshot(market_container, DAY) == dt.datetime(
        2025, 11, 15, 2, 10, tzinfo=dt.UTC
    )
