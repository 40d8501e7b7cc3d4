"""A/B tests over real HTTP: the user's arm serves the prop, is recorded with the prediction,
and the other arm's price is logged as a shadow."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest
from sqlalchemy import select

from statmusepicks.data.db.models import ApiKey, Prediction
from statmusepicks.data.db.models_ab import ShadowPrediction
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.model_store import models_dir
from statmusepicks.services.container import Container
from statmusepicks.services.experiments import assign_arm, start_experiment
from statmusepicks.services.grading import grade
from statmusepicks.services.keys import create_key
from statmusepicks.services.predictions import prediction_service
from tests.integration.api.conftest import JOKIC, http_client

NOW = dt.datetime(2025, 11, 15, 12, tzinfo=dt.UTC)
CHAMPION_LABEL = "smp-points-player:1"
CHALLENGER_LABEL = "smp-points-player:2"
# DEN played at SAC on this day and the box scores hold the game.
PLAYED = dt.date(2025, 11, 11)


@pytest.fixture
def experiment_id(api_container: Container, served_models: list[StatModel]) -> int:
    """A challenger player model for Jokic's points (leaning fully on his own fit), version 2."""
    player = next(m for m in served_models if m.scope == "player")
    own = {pid: dataclasses.replace(p, shrinkage=1.0) for pid, p in player.players.items()}
    challenger = dataclasses.replace(player, players=own, version="2")
    challenger.save(models_dir(api_container.settings) / challenger.name / "2" / "model.joblib")
    row = start_experiment(
        api_container, stat="points", challenger=CHALLENGER_LABEL, share=0.5, now=NOW
    )
    return row.id


async def test_the_served_arm_is_recorded_and_the_other_is_a_shadow(
    client: httpx.AsyncClient, api_container: Container, experiment_id: int
) -> None:
    body = {"player": "Nikola Jokic", "stat": "points", "line": 27.5}
    first = await client.post("/api/predict", json=body)
    again = await client.post("/api/predict", json=body)
    assert first.status_code == 200, first.text
    assert first.json() == again.json()  # one arm per user and prop
    answer = first.json()

    prediction_service(api_container).recorder.flush()
    with api_container.sessions() as session:
        key_id = session.scalars(select(ApiKey.id)).one()
        rows = list(session.scalars(select(Prediction)))
        shadows = list(session.scalars(select(ShadowPrediction)))
    day = dt.date.fromisoformat(answer["game_date"])
    arm = assign_arm(key_id, JOKIC, "points", day, 0.5)
    other = "champion" if arm == "challenger" else "challenger"
    labels = {"champion": CHAMPION_LABEL, "challenger": CHALLENGER_LABEL}

    assert answer["model_version"] == labels[arm]
    assert [(r.arm, r.experiment_id, r.model_version) for r in rows] == [
        (arm, experiment_id, labels[arm])
    ] * 2
    assert {(s.arm, s.experiment_id, s.model_version) for s in shadows} == {
        (other, experiment_id, labels[other])
    }
    assert shadows[0].over_probability != rows[0].over_probability


async def test_other_stats_are_served_by_the_champion_alone(
    client: httpx.AsyncClient, api_container: Container, experiment_id: int
) -> None:
    response = await client.post(
        "/api/predict", json={"player": "Nikola Jokic", "stat": "rebounds", "line": 11.5}
    )
    assert response.status_code == 200, response.text
    prediction_service(api_container).recorder.flush()
    with api_container.sessions() as session:
        row = session.scalars(select(Prediction)).one()
        assert session.scalars(select(ShadowPrediction)).first() is None
    assert (row.arm, row.experiment_id) == ("champion", None)


async def test_the_track_record_splits_by_model_and_arm(
    api_container: Container, experiment_id: int
) -> None:
    """Two users on different arms are served the same played prop; once graded, the record
    counts it once overall and once under each arm and model."""
    keys = [create_key(api_container, f"user {i}") for i in range(12)]
    by_arm = {assign_arm(k.key_id, JOKIC, "points", PLAYED, 0.5): k for k in keys}
    assert set(by_arm) == {"champion", "challenger"}
    body = {"player": "Nikola Jokic", "stat": "points", "line": 24.5, "date": str(PLAYED)}
    for key in by_arm.values():
        async for http in http_client(api_container, {"X-API-Key": key.key}):
            assert (await http.post("/api/predict", json=body)).status_code == 200
    prediction_service(api_container).recorder.flush()
    assert grade(api_container).graded == 2

    async for http in http_client(api_container, {"X-API-Key": keys[0].key}):
        record = (await http.get("/api/track_record")).json()
    assert record["overall"]["predictions"] == 1
    assert {arm: s["predictions"] for arm, s in record["by_arm"].items()} == {
        "champion": 1,
        "challenger": 1,
    }
    assert set(record["by_model"]) == {CHAMPION_LABEL, CHALLENGER_LABEL}
