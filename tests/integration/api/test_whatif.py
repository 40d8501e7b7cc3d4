"""What-ifs over real HTTP: a teammate sitting or returning moves the price and the minutes,
bad teammates are 422s, and the sensitivity board ranks lines by an uncertain teammate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from statmusepicks.data.db.models_text import TextSignal
from statmusepicks.services.container import Container
from tests.integration.api.test_player_status import DAY, _report

JOKIC, MURRAY, LEBRON = 203999, 1627750, 2544
PROP = {"player": JOKIC, "stat": "points", "line": 27.5, "date": DAY.isoformat()}


async def _whatif(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/api/whatif", json={**PROP, **body})


async def test_a_teammate_sitting_moves_the_price_and_raises_the_minutes(
    client: httpx.AsyncClient,
) -> None:
    response = await _whatif(client, sit=["Jamal Murray"])
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["player_id"], answer["team"], answer["game_date"]) == (
        JOKIC,
        "DEN",
        "2025-11-12",
    )
    assert answer["sit"] == [{"player_id": MURRAY, "name": "Jamal Murray"}]
    base, whatif = answer["base"], answer["whatif"]
    assert base["absent"] == []
    assert base["rotation_out"] == 0
    assert [p["player_id"] for p in whatif["absent"]] == [MURRAY]
    assert whatif["rotation_out"] == 1
    assert whatif["rotation_minutes_out"] > 20
    # A starter's absence gives Jokic more of the minutes and changes his price.
    assert answer["minutes_change"] > 0
    assert whatif["minutes"]["minutes"] > base["minutes"]["minutes"]
    assert whatif["model_over_probability"] != base["model_over_probability"]
    assert answer["over_probability_change"] == pytest.approx(
        whatif["over_probability"] - base["over_probability"], abs=1e-4
    )
    minutes = base["minutes"]
    assert 0 <= minutes["p10"] <= minutes["minutes"] <= minutes["p90"] <= 48


async def test_a_teammate_reported_out_can_be_put_back(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    sitting = (await _whatif(client, sit=[MURRAY])).json()
    _report(api_container, {MURRAY: "out"})
    response = await _whatif(client, play=["Jamal Murray"])
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [p["player_id"] for p in answer["base"]["absent"]] == [MURRAY]
    assert answer["whatif"]["absent"] == []
    # Reported out is the same roster as the what-if that sat him.
    assert answer["base"]["model_over_probability"] == sitting["whatif"]["model_over_probability"]
    assert answer["whatif"]["model_over_probability"] == sitting["base"]["model_over_probability"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"sit": ["Nobody Atall"]}, "Unknown teammate"),
        ({"sit": [LEBRON]}, "not a teammate"),
        ({"sit": [JOKIC]}, "not the priced player"),
        ({}, "at least one teammate"),
        ({"sit": [MURRAY], "play": [MURRAY]}, "both sit and play"),
        ({"sit": [MURRAY], "line": -1}, "line"),
    ],
)
async def test_bad_teammates_are_422_json(
    client: httpx.AsyncClient, body: dict[str, Any], fragment: str
) -> None:
    response = await _whatif(client, **body)
    assert response.status_code == 422, response.text
    assert fragment in response.text
    assert "error" in response.json()


async def test_the_sensitivity_board_ranks_lines_by_a_questionable_teammate(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    quiet = await client.get("/api/board/sensitivity", params={"date": DAY.isoformat()})
    assert quiet.status_code == 200, quiet.text
    assert quiet.json() == {"date": DAY.isoformat(), "uncertain_teammates": 0, "lines": []}
    _report(api_container, {MURRAY: "questionable"})
    response = await client.get("/api/board/sensitivity", params={"date": DAY.isoformat()})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["uncertain_teammates"] == 1
    lines = answer["lines"]
    assert 0 < len(lines) <= 50
    assert all(line["teammate"]["player_id"] == MURRAY for line in lines)
    assert all(line["scenario"] == "sits" and line["player_id"] != MURRAY for line in lines)
    changes = [abs(line["change"]) for line in lines]
    assert changes == sorted(changes, reverse=True)
    assert changes[0] > 0
    jokic = [line for line in lines if line["player_id"] == JOKIC]
    assert jokic
    assert jokic[0]["whatif_minutes"] > jokic[0]["base_minutes"]
    top = await client.get("/api/board/sensitivity", params={"date": DAY.isoformat(), "limit": 2})
    assert top.json()["lines"] == lines[:2]


async def test_the_sensitivity_board_refuses_a_bad_date(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/board/sensitivity", params={"date": "11/12/2025"})
    assert response.status_code == 422
    assert "error" in response.json()


async def test_a_reported_minutes_restriction_caps_both_projections(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    with api_container.engine.begin() as connection:
        connection.execute(
            insert(TextSignal),
            [
                {
                    "player_id": JOKIC,
                    "kind": "minutes_restriction",
                    "value": 20.0,
                    "source": "test",
                    "source_text": "Jokic will be on a minutes restriction of about 20.",
                    "observed_at": dt.datetime(2025, 11, 11, 20, 0, tzinfo=dt.UTC),
                    "extractor": "rules",
                }
            ],
        )
    answer = (await _whatif(client, sit=[MURRAY])).json()
    assert answer["minutes_cap"] == 20.0
    for scenario in (answer["base"], answer["whatif"]):
        assert scenario["minutes"]["minutes"] <= 20.0
        assert scenario["minutes"]["p90"] <= 20.0
