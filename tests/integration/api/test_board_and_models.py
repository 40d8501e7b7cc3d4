"""GET /api/board, /api/models, POST /api/models/load and /api/responsible-gambling over HTTP."""

from __future__ import annotations

import httpx

from tests import factories

BOARD_DATE = "2025-11-11"


async def test_the_board_prices_every_stored_line_ranked_by_ev(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/board", params={"date": BOARD_DATE, "stat": "Points"})
    assert response.status_code == 200, response.text
    body = response.json()
    lines = factories.prop_lines()
    day = lines[
        (lines["game_date"].astype(str) == BOARD_DATE)
        & (lines["market"] == "points")
        & lines["over_price"].notna()
        & lines["under_price"].notna()
    ]
    assert body["count"] + body["unpriced"] == len(day.groupby(["player_id", "line"]))
    props = body["props"]
    assert props, "the slice has priced points lines that day"
    evs = [p["expected_value"] for p in props]
    assert evs == sorted(evs, reverse=True)
    first = props[0]
    rungs = day[(day["player_id"] == first["player_id"]) & (day["line"] == first["line"])]
    assert first["best_over"]["odds"] == max(rungs["over_price"], key=_decimal)
    assert first["best_under"]["odds"] == max(rungs["under_price"], key=_decimal)
    assert first["recommendation"] in {"OVER", "UNDER", None}
    assert first["decision"] == (first["recommendation"] or "PASS")
    assert first["market_source"] == "stored_lines"


def _decimal(odds: float) -> float:
    return 1 + odds / 100 if odds > 0 else 1 + 100 / abs(odds)


async def test_the_board_filters_by_book_and_edge(client: httpx.AsyncClient) -> None:
    everything = (await client.get("/api/board", params={"date": BOARD_DATE})).json()
    one_book = (
        await client.get("/api/board", params={"date": BOARD_DATE, "book": "draftkings"})
    ).json()
    edged = (await client.get("/api/board", params={"date": BOARD_DATE, "min_edge": 0.03})).json()
    assert one_book["count"] <= everything["count"]
    assert all(p["books"] == ["draftkings"] for p in one_book["props"])
    assert all(p["edge"] >= 0.03 for p in edged["props"])
    assert {p["stat"] for p in everything["props"]} > {"points"}


async def test_a_board_without_lines_is_empty_and_a_bad_date_is_422(
    client: httpx.AsyncClient,
) -> None:
    empty = (await client.get("/api/board", params={"date": "2020-01-01"})).json()
    assert empty["count"] == 0
    assert empty["props"] == []
    assert (await client.get("/api/board", params={"date": "yesterday"})).status_code == 422
    assert (
        await client.get("/api/board", params={"date": BOARD_DATE, "stat": "x"})
    ).status_code == 422


async def test_models_lists_the_registry_and_what_is_served(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/models")).json()
    names = {row["name"]: row for row in body["registered"]}
    assert names["smp-points-global"]["champion"] == "1"
    assert body["serving"]["points"] == {
        "player": "smp-points-player:1",
        "global": "smp-points-global:1",
        "fallback": "season_average",
    }
    assert body["serving"]["steals"]["global"] is None
    assert body["fallback_chain"] == ["player", "global", "season_average"]


async def test_loading_a_player_warms_his_features_and_reports_scopes(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/models/load", params={"player": "Nikola Jokic"})
    assert response.status_code == 200
    body = response.json()
    assert body["player_models"] == ["points"]
    assert body["scopes"]["points"] == "player"
    assert body["scopes"]["rebounds"] == "global"
    assert body["scopes"]["steals"] == "season_average"
    missing = await client.post("/api/models/load", params={"player": "Nobody Atall"})
    assert missing.status_code == 404


async def test_responsible_gambling_lists_the_help_resources(
    anonymous: httpx.AsyncClient,
) -> None:
    body = (await anonymous.get("/api/responsible-gambling")).json()
    text = str(body)
    for needle in (
        "21",
        "18",
        "1-800-GAMBLER",
        "National Council on Problem Gambling",
        "Gamblers Anonymous",
    ):
        assert needle in text
