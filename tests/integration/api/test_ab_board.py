"""The board under an A/B test: each key sees, per prop, the arm and price /api/predict gives it,
the challenger serves about its share of props, and board views are never logged."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select

from statmusepicks.data.db.models import Prediction
from statmusepicks.data.db.models_ab import ShadowPrediction
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.model_store import models_dir
from statmusepicks.services.board import BoardQuery, board
from statmusepicks.services.container import Container
from statmusepicks.services.experiments import assign_arm, start_experiment
from statmusepicks.services.keys import create_key
from statmusepicks.services.predictions import prediction_service
from tests.integration.api.conftest import http_client

NOW = dt.datetime(2025, 11, 15, 12, tzinfo=dt.UTC)
# Stored lines of many players' points that day (DEN at SAC among the games).
LINE_DATE = dt.date(2025, 11, 11)
SHARE = 0.5
ARMS = {"smp-points-global:1": "champion", "smp-points-global:2": "challenger"}


@pytest.fixture
def experiment_id(api_container: Container, served_models: list[StatModel]) -> int:
    """A global points challenger with twice the champion's quadratic variance, version 2:
    every prop's over probability moves, so the arm shows on every prop."""
    champion = next(m for m in served_models if m.stat == "points" and m.scope == "global")
    wider = dataclasses.replace(champion.spread, b=champion.spread.b * 2)
    challenger = dataclasses.replace(champion, spread=wider, version="2")
    challenger.save(models_dir(api_container.settings) / challenger.name / "2" / "model.joblib")
    row = start_experiment(
        api_container, stat="points", challenger=challenger.label, share=SHARE, now=NOW
    )
    return row.id


async def _board_props(http: httpx.AsyncClient) -> list[dict[str, object]]:
    """The points props of the board served to this client priced by a global model (Jokic's
    own model prices his props in both arms)."""
    response = await http.get("/api/board", params={"date": str(LINE_DATE), "stat": "points"})
    assert response.status_code == 200, response.text
    props = [p for p in response.json()["props"] if p["model_scope"] == "global"]
    assert props
    return props


async def _predicted(http: httpx.AsyncClient, prop: dict[str, object]) -> dict[str, object]:
    """/api/predict's answer for the prop at the board's line and best prices."""
    best_over, best_under = prop["best_over"], prop["best_under"]
    assert isinstance(best_over, dict)
    assert isinstance(best_under, dict)
    body = {
        "player": prop["player_id"],
        "stat": "points",
        "line": prop["line"],
        "odds_over": best_over["odds"],
        "odds_under": best_under["odds"],
        "date": str(LINE_DATE),
    }
    response = await http.post("/api/predict", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _logged(container: Container) -> tuple[int, int]:
    """(prediction rows, shadow rows) written so far."""
    prediction_service(container).recorder.flush()
    with container.sessions() as session:
        rows = session.scalar(select(func.count()).select_from(Prediction))
        shadows = session.scalar(select(func.count()).select_from(ShadowPrediction))
    return int(rows or 0), int(shadows or 0)


async def test_each_key_sees_on_the_board_the_arm_and_price_predict_serves_it(
    api_container: Container, experiment_id: int
) -> None:
    keys = [create_key(api_container, f"user {i}") for i in range(3)]
    served: list[str] = []
    checked = 0
    for key in keys:
        async for http in http_client(api_container, {"X-API-Key": key.key}):
            props = await _board_props(http)
            for prop in props:
                player = int(str(prop["player_id"]))
                arm = assign_arm(key.key_id, player, "points", LINE_DATE, SHARE)
                assert ARMS[str(prop["model_version"])] == arm
                served.append(arm)
            assert _logged(api_container) == (checked, checked)  # board views log nothing
            for prop in props[:: max(1, len(props) // 4)]:
                answer = await _predicted(http, prop)
                assert answer["model_version"] == prop["model_version"]
                for field in ("over_probability", "expected_value", "edge"):
                    assert answer[field] == pytest.approx(prop[field], abs=1e-9), field
                checked += 1
    # Props of one player share his coin, so the spread allowed is wide.
    share = served.count("challenger") / len(served)
    assert set(served) == {"champion", "challenger"}
    assert abs(share - SHARE) < 0.2, share
    # Each predict call logged its served arm and a shadow of the other.
    assert _logged(api_container) == (checked, checked)


def test_the_board_without_a_key_serves_the_arm_predict_gives_no_key(
    api_container: Container, experiment_id: int
) -> None:
    """The served-board job reads the board with no key: each prop in the arm predict
    assigns a request without a key."""
    answer = board(api_container, BoardQuery(LINE_DATE, stat="points"))
    props = [p for p in answer["props"] if p["model_scope"] == "global"]
    assert props
    for prop in props:
        arm = assign_arm(None, int(prop["player_id"]), "points", LINE_DATE, SHARE)
        assert ARMS[prop["model_version"]] == arm
