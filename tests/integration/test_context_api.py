"""Player context over real HTTP through the ASGI app, against a database holding a real slice."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from statmusepicks.api.app import create_app
from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import Cache
from statmusepicks.data.db.models import PlayerGameStats
from statmusepicks.data.db.session import make_session_factory
from statmusepicks.data.ingest.bundled import load_bundled
from statmusepicks.services.cache_invalidation import invalidate_player
from statmusepicks.services.container import Container
from statmusepicks.services.context_models import PlayerContext
from tests import factories

JOKIC = 203999
LEBRON = 2544
AS_OF = "2025-11-10"


async def _client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container.settings, container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def client(loaded_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(loaded_container):
        yield client


def _box_scores(player_id: int, before: str) -> pd.DataFrame:
    logs = factories.player_logs()
    played = logs[
        (logs["player_id"] == player_id) & (logs["game_date"] < pd.Timestamp(before).date())
    ]
    return played.sort_values("game_date", ascending=False)


async def test_season_average_and_recent_games_match_the_box_scores(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/api/player_context",
        params={"player": "Nikola Jokic", "stat": "points", "limit": 5, "date": AS_OF},
    )
    assert response.status_code == 200
    body = response.json()
    games = _box_scores(JOKIC, AS_OF)
    this_season = games[games["season"] == "2025-26"]
    assert body["playerId"] == JOKIC
    assert body["team"] == "DEN"
    assert body["asOf"] == AS_OF
    assert body["noGamesThisSeason"] is False
    assert body["gamesThisSeason"] == len(this_season)
    assert body["seasonAvg"] == pytest.approx(this_season["pts"].mean(), abs=1e-12)
    recent = body["recentGames"]
    assert [game["gameDate"] for game in recent] == [
        day.isoformat() for day in games["game_date"].head(5)
    ]
    assert [game["statValue"] for game in recent] == games["pts"].head(5).astype(float).tolist()
    assert [game["minutes"] for game in recent] == games["min"].head(5).tolist()
    assert [game["opponent"] for game in recent] == games["opp"].head(5).tolist()
    assert body["rollingAverages"]["sma5"] == pytest.approx(games["pts"].head(5).mean(), abs=1e-3)
    assert set(body["rollingAverages"]) == {"sma3", "sma5", "sma10", "ema", "wma"}
    assert body["trend"]["direction"] in {"up", "down", "flat"}
    # The schedule knows DEN's next game (vs SAC on 2025-11-11), so the opponent is known.
    assert body["opponent"]["name"] == "SAC"
    assert isinstance(body["opponent"]["defensiveRating"], float)
    assert 1 <= body["opponent"]["rank"] <= 30
    factors = body["contextualFactors"]
    assert factors["daysRest"] == 3
    assert factors["isBackToBack"] is False
    assert factors["isHome"] is False
    assert isinstance(body["projectedMinutes"], float)
    assert 0 < body["advanced"]["trueShooting"] < 100


@pytest.mark.parametrize(
    ("stat", "columns"),
    [
        ("3-PT Made", ["fg3m"]),
        ("Pts+Rebs+Asts", ["pts", "reb", "ast"]),
        ("Rebs+Asts", ["reb", "ast"]),
        ("Blocked Shots", ["blk"]),
    ],
)
async def test_prizepicks_labels_price_the_right_box_score_columns(
    client: httpx.AsyncClient, stat: str, columns: list[str]
) -> None:
    response = await client.get(
        "/api/player_context",
        params={"player": str(JOKIC), "stat": stat, "limit": 3, "date": AS_OF},
    )
    assert response.status_code == 200
    expected = _box_scores(JOKIC, AS_OF)[columns].sum(axis=1).head(3).astype(float).tolist()
    assert [game["statValue"] for game in response.json()["recentGames"]] == expected


async def test_stat_aliases_and_case_give_the_same_answer(client: httpx.AsyncClient) -> None:
    bodies = []
    for stat in ("Points", "points", "pts", "PTS"):
        response = await client.get(
            "/api/player_context", params={"player": "nikola jokić", "stat": stat, "date": AS_OF}
        )
        assert response.status_code == 200
        bodies.append(response.json())
    assert all(body == bodies[0] for body in bodies)


async def test_names_match_accents_and_case_loosely(client: httpx.AsyncClient) -> None:
    for name in ("Hugo Gonzalez", "HUGO GONZÁLEZ", "hugo gonzález"):
        response = await client.get("/api/player_context", params={"player": name})
        assert response.status_code == 200, response.text
        assert response.json()["player"] == "Hugo González"


async def test_hit_rates_for_a_line(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/player_context",
        params={"player": "Nikola Jokic", "stat": "pts", "date": AS_OF, "line": 27.5},
    )
    rates = response.json()["hitRates"]
    last5 = _box_scores(JOKIC, AS_OF)["pts"].head(5)
    assert rates["line"] == 27.5
    assert rates["last5"] == pytest.approx((last5 > 27.5).mean())


async def test_the_frontends_parameter_names_give_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    ours = await client.get(
        "/api/player_context",
        params={"player": "Nikola Jokic", "stat": "Points", "date": AS_OF, "limit": 4},
    )
    theirs = await client.get(
        "/api/player_context",
        params={
            "player_name": "Nikola Jokic",
            "stat_type": "Points",
            "game_date": AS_OF,
            "limit": 4,
        },
    )
    assert ours.status_code == theirs.status_code == 200
    assert theirs.json() == ours.json()
    assert theirs.json()["asOf"] == AS_OF
    batch = await client.post(
        "/api/batch_player_context",
        json=[
            {"player_name": "Nikola Jokic", "stat_type": "Points", "game_date": AS_OF, "limit": 4}
        ],
    )
    assert batch.json() == [ours.json()]


async def test_answers_carry_exactly_the_published_fields(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
    body = (
        await client.get(
            "/api/player_context", params={"player": "Nikola Jokic", "date": AS_OF, "line": 25.5}
        )
    ).json()
    assert set(body) == set(schema["PlayerContext"]["properties"])
    assert set(body["recentGames"][0]) == set(schema["RecentGame"]["properties"])
    assert set(body["hitRates"]) == set(schema["HitRates"]["properties"])
    assert PlayerContext.model_validate(body).model_dump(mode="json", by_alias=True) == body


async def test_unknown_player_is_a_404_with_an_error_message(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/player_context", params={"player": "Nobody Atall"})
    assert response.status_code == 404
    assert "error" in response.json()


async def test_ambiguous_name_is_a_409_listing_candidates(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/player_context", params={"player": "Holiday"})
    assert response.status_code == 409
    body = response.json()
    assert "error" in body
    assert len(body["candidates"]) >= 2
    assert all("Holiday" in candidate["name"] for candidate in body["candidates"])


@pytest.mark.parametrize(
    "params",
    [
        {"stat": "dunks"},
        {"limit": 0},
        {"limit": 500},
        {"limit": "ten"},
        {"date": "yesterday"},
        {"date": "0001-01-01"},
        {"date": "9999-12-31"},
        {"line": -3},
        {"line": 150.5},
        {"stat": "points", "line": 80.5},
        {"player": " "},
    ],
)
async def test_bad_stat_limit_or_date_is_a_422(
    client: httpx.AsyncClient, params: dict[str, object]
) -> None:
    response = await client.get("/api/player_context", params={"player": "Nikola Jokic", **params})
    assert response.status_code == 422
    assert response.json()["error"]


async def test_a_player_without_games_this_season_gets_last_seasons_numbers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/player_context", params={"player": "LeBron James"})
    assert response.status_code == 200
    body = response.json()
    assert body["noGamesThisSeason"] is True
    last_season = _box_scores(LEBRON, "2025-11-15")
    last_season = last_season[last_season["season"] == "2024-25"]
    assert body["seasonAvg"] == pytest.approx(last_season["pts"].mean(), abs=1e-12)
    assert body["seasonAvgSeason"] == "2024-25"
    assert body["recentGames"][0]["gameDate"] == last_season["game_date"].iloc[0].isoformat()


async def test_batch_keeps_order_and_isolates_failures(client: httpx.AsyncClient) -> None:
    items = [
        {"player": "Nikola Jokic", "stat": "Points", "limit": 3},
        {"player": "Nobody Atall", "stat": "Points", "limit": 3},
        {"player": "LeBron James", "stat": "dunks", "limit": 3},
        {"player": "Jayson Tatum", "stat": "Rebounds", "limit": 2},
    ]
    response = await client.post("/api/batch_player_context", json=items)
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 4
    assert body[0]["playerId"] == JOKIC
    assert len(body[0]["recentGames"]) == 3
    assert body[1]["player"] == "Nobody Atall"
    assert "error" in body[1]
    assert body[2]["player"] == "LeBron James"
    assert "error" in body[2]
    assert body[3]["stat"] == "rebounds"
    assert len(body[3]["recentGames"]) == 2


async def test_batch_items_that_are_not_objects_fail_alone(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/batch_player_context", json=["Nikola Jokic", {"player": "Nikola Jokic", "limit": 1}]
    )
    assert response.status_code == 200
    body = response.json()
    assert "error" in body[0]
    assert body[1]["stat"] == "points"
    assert (await client.post("/api/batch_player_context", json=[])).json() == []
    assert (await client.post("/api/batch_player_context", json={"player": "x"})).status_code == 422


async def test_batch_items_outside_the_published_bounds_fail_alone_with_a_422(
    client: httpx.AsyncClient,
) -> None:
    items = [
        {"player": "Nikola Jokic", "date": "0001-01-01"},
        {"player": "Nikola Jokic", "limit": 83},
        {"player": "Nikola Jokic", "stat": "points", "line": 80.5},
        {"player": "Nikola Jokic", "limit": 1},
    ]
    body = (await client.post("/api/batch_player_context", json=items)).json()
    assert [item.get("status") for item in body[:3]] == [422, 422, 422]
    assert body[3]["playerId"] == JOKIC


async def test_batch_over_fifty_items_is_rejected(client: httpx.AsyncClient) -> None:
    items = [{"player": "Nikola Jokic", "stat": "Points", "limit": 1}] * 51
    response = await client.post("/api/batch_player_context", json=items)
    assert response.status_code == 413
    assert "50" in response.json()["error"]


async def test_context_is_public_cached_and_invalidated_per_player(
    client: httpx.AsyncClient, loaded_container: Container
) -> None:
    params = {"player": "Nikola Jokic", "stat": "points", "date": AS_OF}
    first = await client.get("/api/player_context", params=params)
    assert first.status_code == 200  # no Authorization header
    with loaded_container.engine.begin() as connection:
        connection.execute(delete(PlayerGameStats).where(PlayerGameStats.player_id == JOKIC))
    cached = await client.get("/api/player_context", params=params)
    assert cached.json() == first.json()
    assert invalidate_player(loaded_container.cache, JOKIC) >= 1
    fresh = await client.get("/api/player_context", params=params)
    assert fresh.status_code == 200
    assert fresh.json()["recentGames"] == []
    assert fresh.json()["noGamesThisSeason"] is True


async def test_newly_loaded_games_refresh_cached_contexts_by_themselves(
    client: httpx.AsyncClient, loaded_container: Container
) -> None:
    params = {"player": "Nikola Jokic", "stat": "points", "date": "2025-11-20"}
    before = (await client.get("/api/player_context", params=params)).json()
    assert before["recentGames"][0]["gameDate"] == "2025-11-12"
    with Session(loaded_container.engine) as session, session.begin():
        last = session.scalars(
            select(PlayerGameStats)
            .where(PlayerGameStats.player_id == JOKIC)
            .order_by(PlayerGameStats.game_date.desc())
        ).first()
        assert last is not None
        columns = {column.key: getattr(last, column.key) for column in PlayerGameStats.__table__.c}
        columns.update(game_id="0022599999", game_date=dt.date(2025, 11, 16), pts=61)
        session.add(PlayerGameStats(**columns))
    after = (await client.get("/api/player_context", params=params)).json()
    assert after["recentGames"][0]["gameDate"] == "2025-11-16"
    assert after["recentGames"][0]["statValue"] == 61


@pytest.fixture
def small_container(engine: Engine, cache: Cache, settings: Settings, tmp_path: Path) -> Container:
    """DEN's 2025-26 players on SQLite and PostgreSQL, with the Redis and in-process caches."""
    bundle = factories.write_bundle(
        tmp_path / "bundle",
        player_logs=factories.player_logs(teams=("DEN",), seasons=("2025-26",)),
        team_logs=factories.team_logs(seasons=("2025-26",)),
        prop_lines=factories.prop_lines(teams=("DEN",)).head(0),
        game_odds=factories.game_odds().head(0),
    )
    load_bundled(engine, bundle)
    return Container(
        settings=settings.model_copy(update={"cache_namespace": uuid.uuid4().hex[:8]}),
        engine=engine,
        sessions=make_session_factory(engine),
        cache=cache,
    )


async def test_context_on_every_database_and_cache_backend(small_container: Container) -> None:
    async for client in _client(small_container):
        for _ in range(2):  # cold, then from the cache (JSON round trip through Redis)
            response = await client.get(
                "/api/player_context", params={"player": "Nikola Jokic", "date": AS_OF}
            )
            assert response.status_code == 200
            body = response.json()
            this_season = _box_scores(JOKIC, AS_OF)
            this_season = this_season[this_season["season"] == "2025-26"]
            assert body["seasonAvg"] == pytest.approx(this_season["pts"].mean(), abs=1e-12)
            assert body["opponent"]["name"] == "SAC"
