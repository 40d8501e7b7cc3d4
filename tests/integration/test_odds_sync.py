"""The odds sync keeps every price snapshot; an unchanged market writes nothing."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from statmusepicks.core.settings import Settings
from statmusepicks.data.clients.odds_api import PROP_MARKETS, OddsAPIClient
from statmusepicks.data.clients.upstream import RetryPolicy
from statmusepicks.data.db.models import PropLine
from statmusepicks.data.ingest.odds import sync_odds
from tests.upstream_fakes import FakeClock, odds_fixture, odds_transport

# After every price the fixtures stamp (the latest 23:30), before the first tip-off (00:10).
NOW = dt.datetime(2025, 11, 14, 23, 45, tzinfo=dt.UTC)
EVENT = "46fc9b98835561f7bfa81c7275b3ed37"  # GSW @ SAS, 2025-11-14 (real lines)


def client(tmp_path: Path, **transport: Any) -> OddsAPIClient:
    settings = Settings(
        environment="test",
        var_dir=tmp_path,
        odds_api_key="test-key",
        odds_api_base_url="https://odds.test/v4",
        redis_url=None,
        _env_file=None,  # type: ignore[call-arg]
    )
    return OddsAPIClient.from_settings(
        settings,
        transport=odds_transport(**transport),
        retry=RetryPolicy(sleep=lambda _: None),
        clock=FakeClock(),
    )


def lines(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(PropLine)).scalar_one())


def test_a_sync_stores_each_rung_of_each_book_and_a_rerun_adds_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    first = sync_odds(engine, client(tmp_path), now=NOW)
    assert first.events_priced == 2  # the fixtures hold odds for two of the nine events
    assert first.quarantined == 0
    assert first.lines_added == lines(engine) > 1000
    with engine.connect() as connection:
        row = connection.execute(
            select(PropLine).where(PropLine.event_id == EVENT, PropLine.market == "threes")
        ).first()
        markets = set(connection.execute(select(PropLine.market).distinct()).scalars())
    assert row is not None
    assert (row.away_team, row.home_team, row.game_date) == ("GSW", "SAS", dt.date(2025, 11, 14))
    assert row.player_id is None  # no players stored in this test database
    assert markets <= {"points", "rebounds", "assists", "threes", "pra", "blocks", "steals"}

    second = sync_odds(engine, client(tmp_path), now=NOW)
    assert second.lines_added == 0
    assert lines(engine) == first.lines_added


def test_a_price_move_adds_a_snapshot_next_to_the_opening_one(
    engine: Engine, tmp_path: Path
) -> None:
    opening = odds_fixture(f"event_odds_{EVENT}.json")
    moved = copy.deepcopy(opening)
    book = moved["bookmakers"][0]
    market = book["markets"][0]
    market["last_update"] = "2025-11-14T23:30:00Z"
    market["outcomes"][0]["price"] = market["outcomes"][0]["price"] - 15

    def only(payload: dict[str, Any]) -> Any:
        return lambda event_id: payload if event_id == EVENT else None

    sync_odds(engine, client(tmp_path, event_odds=only(opening)), now=NOW)
    before = lines(engine)
    later = sync_odds(engine, client(tmp_path, event_odds=only(moved)), now=NOW)
    rungs = {(o["description"], o["point"]) for o in market["outcomes"]}
    assert later.lines_added == len(rungs)
    assert lines(engine) == before + len(rungs)
    with engine.connect() as connection:
        snapshots = (
            connection.execute(
                select(PropLine.captured_at).where(
                    PropLine.event_id == EVENT,
                    PropLine.bookmaker == book["key"],
                    PropLine.market == PROP_MARKETS[market["key"]],
                    PropLine.player_name == market["outcomes"][0]["description"],
                    PropLine.line == market["outcomes"][0]["point"],
                )
            )
            .scalars()
            .all()
        )
    assert len(snapshots) == 2


def test_a_malformed_outcome_is_quarantined_and_the_rest_stored(
    engine: Engine, tmp_path: Path
) -> None:
    payload = odds_fixture(f"event_odds_{EVENT}.json")
    outcomes = payload["bookmakers"][0]["markets"][0]["outcomes"]
    outcomes[0]["price"] = 40  # not American odds
    outcomes[1]["price"] = 40
    report = sync_odds(
        engine,
        client(tmp_path, event_odds=lambda e: payload if e == EVENT else None),
        now=NOW,
    )
    assert report.quarantined == 1
    assert report.lines_added > 100
