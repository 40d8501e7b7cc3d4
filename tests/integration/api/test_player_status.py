"""The priced player's injury status on every answer, and teammates out on every path alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pandas as pd
import pytest
from sqlalchemy import insert

from statmusepicks.data.db.models import Injury
from statmusepicks.data.repositories import players as repo
from statmusepicks.features.advanced import teammates_out
from statmusepicks.services import board as board_service
from statmusepicks.services.container import Container
from statmusepicks.services.context_inputs import build_context_inputs
from statmusepicks.services.injury_jobs import sync_injuries
from statmusepicks.services.predictions import invalidate_predictions, prediction_service
from statmusepicks.services.schedule_jobs import sync_schedule
from statmusepicks.services.serving_inputs import ServingTarget
from tests.fakes.league_files import LeagueFiles, league_files_for, report_record

JOKIC, MURRAY = 203999, 1627750
# DEN at LAC: books priced Jokic's points that day.
DAY = dt.date(2025, 11, 12)
REPORTED = dt.datetime(2025, 11, 12, 18, 0, tzinfo=dt.UTC)
TEAMMATES_OUT = ["f_teammates_out", "f_teammates_out_min", "f_teammates_out_plays"]
# A line far below his mean at a generous over price: a large edge, a confident answer.
CONFIDENT = {"player": JOKIC, "stat": "points", "line": 12.5, "odds_over": 150, "odds_under": -190}


@pytest.fixture
def files(api_container: Container) -> Iterator[LeagueFiles]:
    with league_files_for(api_container) as served:
        yield served


def _report(container: Container, statuses: dict[int, str]) -> None:
    with container.engine.begin() as connection:
        connection.execute(
            insert(Injury),
            [
                {
                    "player_id": pid,
                    "report_date": DAY,
                    "reported_at": REPORTED,
                    "status": status,
                    "source": "test",
                }
                for pid, status in statuses.items()
            ],
        )
    invalidate_predictions(container)


async def _predict(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/api/predict", json={**CONFIDENT, "date": DAY.isoformat(), **body})


async def _board(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/board", params={"date": DAY.isoformat(), "stat": "points"})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_an_out_player_is_a_409_on_predict_an_error_item_in_a_batch_and_off_the_board(
    client: httpx.AsyncClient, api_container: Container, files: LeagueFiles
) -> None:
    healthy = await _predict(client)
    assert healthy.status_code == 200, healthy.text
    assert healthy.json()["player_status"] is None
    assert any(p["player_id"] == JOKIC for p in (await _board(client))["props"])

    files.publish(REPORTED, [report_record("Nikola Jokic", "Denver Nuggets", "Out")])
    job = sync_injuries(api_container, REPORTED + dt.timedelta(minutes=5))
    assert job.ok, job.errors
    assert job.rows == 1

    refused = await _predict(client)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "player_out"
    assert "OUT" in body["error"]
    assert body["player_status"] == {
        "status": "OUT",
        "reported_at": REPORTED.isoformat(),
        "source": "nba_injury_report",
    }
    batch = await client.post(
        "/api/batch_predict",
        json=[
            {**CONFIDENT, "date": DAY.isoformat()},
            {**CONFIDENT, "player": "Jamal Murray", "date": DAY.isoformat()},
        ],
    )
    assert batch.status_code == 200, batch.text
    jokic, murray = batch.json()["predictions"]
    assert (jokic["code"], jokic["status"]) == ("player_out", 409)
    assert "error" not in murray
    board = await _board(client)
    assert all(p["player_id"] != JOKIC for p in board["props"])
    (left_off,) = [p for p in board["players_out"] if p["player_id"] == JOKIC]
    assert left_off["lines"] > 0
    assert left_off["player_status"]["status"] == "OUT"


async def test_a_questionable_player_is_flagged_and_never_highly_confident(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    healthy = (await _predict(client)).json()
    assert healthy["confidence_label"] == "high"
    assert healthy["status_flag"] is None
    _report(api_container, {JOKIC: "questionable"})
    flagged = await _predict(client)
    assert flagged.status_code == 200, flagged.text
    answer = flagged.json()
    assert answer["confidence_label"] == "medium"
    assert answer["status_flag"] == "QUESTIONABLE"
    assert answer["player_status"]["status"] == "QUESTIONABLE"
    # The price itself is the model's: the flag bounds the claim, not the number.
    assert answer["predicted_value"] == healthy["predicted_value"]
    props = [p for p in (await _board(client))["props"] if p["player_id"] == JOKIC]
    assert props
    assert {p["status_flag"] for p in props} == {"QUESTIONABLE"}
    assert all(p["confidence_label"] != "high" for p in props)
    context = await client.get(
        "/api/player_context", params={"player": JOKIC, "date": "2025-11-12"}
    )
    assert context.status_code == 200, context.text
    assert context.json()["playerStatus"]["status"] == "QUESTIONABLE"


def _teammates_out_on_every_path(container: Container) -> list[pd.Series]:
    """Jokic's teammates-out features as predict, the board and the context build them."""
    service = prediction_service(container)
    with container.sessions() as session:
        target = ServingTarget(JOKIC, DAY, "DEN", "LAC", False, scheduled=True)
        predicted = service.inputs.feature_rows(session, [target])
        day = board_service._day_frame(container, session, DAY)
        player = repo.resolve_player(session, str(JOKIC))
        built = build_context_inputs(
            session, {JOKIC: player}, DAY, service.inputs.team_games(session)
        )
    context = teammates_out(built.inputs)
    boarded = day[day["player_id"] == JOKIC].reset_index(drop=True)
    return [
        predicted.loc[0, TEAMMATES_OUT].astype(float),
        boarded.loc[0, TEAMMATES_OUT].astype(float),
        context.loc[0, TEAMMATES_OUT].astype(float),
    ]


@pytest.mark.parametrize("status", ["out", "doubtful"])
def test_a_teammate_reported_out_moves_teammates_out_alike_on_predict_board_and_context(
    api_container: Container, status: str
) -> None:
    before = _teammates_out_on_every_path(api_container)
    _report(api_container, {MURRAY: status})
    after = _teammates_out_on_every_path(api_container)
    for path in (1, 2):
        pd.testing.assert_series_equal(before[path], before[0], check_names=False)
        pd.testing.assert_series_equal(after[path], after[0], check_names=False)
    assert after[0]["f_teammates_out"] == before[0]["f_teammates_out"] + 1
    assert after[0]["f_teammates_out_min"] > before[0]["f_teammates_out_min"]


def test_a_questionable_teammate_is_not_counted_out(api_container: Container) -> None:
    before = _teammates_out_on_every_path(api_container)
    _report(api_container, {MURRAY: "questionable"})
    pd.testing.assert_series_equal(_teammates_out_on_every_path(api_container)[0], before[0])


async def test_after_the_schedule_sync_predict_prices_the_next_scheduled_game(
    client: httpx.AsyncClient, api_container: Container, files: LeagueFiles
) -> None:
    job = sync_schedule(api_container, dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC))
    assert job.ok, job.errors
    response = await client.post("/api/predict", json=CONFIDENT)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["game_date"], answer["opponent"], answer["is_home"]) == (
        "2025-11-16",
        "MIN",
        True,
    )
    assert answer["scheduled"] is True
