"""POST /api/predict and /api/batch_predict over real HTTP, against real data and models."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import numpy as np
import pytest
from sqlalchemy import func, select

from statmusepicks.data.db.models import Prediction
from statmusepicks.evaluation.odds import devig
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.predictor import Predictor
from statmusepicks.services import champions
from statmusepicks.services.container import Container
from statmusepicks.services.predictions import invalidate_predictions, prediction_service
from tests import factories
from tests.integration.api.conftest import register_on_disk

JOKIC = 203999
# DEN at SAC: seven books priced Jokic points at 27.5 that day.
LINE_DATE = "2025-11-11"


def _logged(container: Container) -> int:
    prediction_service(container).recorder.flush()
    with container.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Prediction)) or 0)


async def test_a_prediction_has_every_field_of_the_frontend_contract(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/predict", json={"player": "Nikola Jokic", "stat": "Points", "line": 27.5}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
    contract = schema["PredictionResponse"]
    assert set(body) == set(contract["properties"])
    assert set(contract["required"]) <= set(body)
    assert body["player"] == "Nikola Jokic"
    assert body["stat"] == "points"
    assert body["over_probability"] + body["under_probability"] + body["push_probability"] == (
        pytest.approx(1.0, abs=1e-3)
    )
    assert body["push_probability"] == 0.0  # a half line cannot push
    # The frontend's contract: a side or null (no lean); our PASS lives in `decision`.
    assert body["recommendation"] in {"OVER", "UNDER", None}
    assert body["decision"] == (body["recommendation"] or "PASS")
    # Confidence in percent (the frontend's scale), the probability beside it.
    assert body["confidence"] == pytest.approx(100 * body["confidence_probability"], abs=0.06)
    assert 50.0 <= body["confidence"] <= 100.0
    assert 0.0 <= body["kelly_fraction"] <= 0.02
    assert body["model_scope"] == "player"  # Jokic has his own points model
    assert body["model_version"] == "smp-points-player:1"
    assert body["odds_over"] == -110
    assert body["odds_under"] == -110
    # The default date is the day after the newest box score (no schedule beyond the data).
    assert body["game_date"] == "2025-11-15"
    assert len(body["factors"]) == 3
    assert "Biggest factors" in body["explanation"]
    assert "1-800-GAMBLER" in body["disclaimer"]


async def test_a_lower_line_gets_a_higher_over_probability(client: httpx.AsyncClient) -> None:
    low, high = [
        (
            await client.post(
                "/api/predict", json={"player": "Jokic", "stat": "rebounds", "line": line}
            )
        ).json()
        for line in (8.5, 14.5)
    ]
    assert low["predicted_value"] == high["predicted_value"]
    assert low["over_probability"] > high["over_probability"]


async def test_a_whole_line_can_push(client: httpx.AsyncClient) -> None:
    body = (
        await client.post("/api/predict", json={"player": "Jokic", "stat": "assists", "line": 10})
    ).json()
    assert body["push_probability"] > 0.0


async def test_the_price_changes_ev_but_not_the_probability(client: httpx.AsyncClient) -> None:
    request = {"player": "Jokic", "stat": "points", "line": 27.5}
    even = (await client.post("/api/predict", json=request)).json()
    long = (
        await client.post("/api/predict", json={**request, "odds_over": 150, "odds_under": -190})
    ).json()
    assert long["model_over_probability"] == even["model_over_probability"]
    assert long["expected_value_over"] > even["expected_value_over"]


async def test_stored_lines_are_the_market_the_edge_is_measured_against(
    client: httpx.AsyncClient,
) -> None:
    body = (
        await client.post(
            "/api/predict",
            json={"player": JOKIC, "stat": "points", "line": 27.5, "date": LINE_DATE},
        )
    ).json()
    lines = factories.prop_lines()
    stored = lines[
        (lines["player_id"] == JOKIC)
        & (lines["market"] == "points")
        & (lines["line"] == 27.5)
        & (lines["game_date"].astype(str) == LINE_DATE)
    ]
    consensus = float(np.mean(devig(stored["over_price"], stored["under_price"])))
    assert body["game_date"] == LINE_DATE
    assert body["scheduled"] is True
    assert body["opponent"] == "SAC"
    assert body["is_home"] is False
    assert body["market_source"] == "stored_lines"
    assert body["market_books"] == len(stored) == stored["bookmaker"].nunique()
    assert body["market_over_probability"] == pytest.approx(consensus, abs=1e-4)
    final_over = body["over_probability"] / (1 - body["push_probability"])
    assert body["edge"] == pytest.approx(abs(final_over - consensus), abs=2e-3)


async def test_the_fallback_chain_reports_the_scope_used(client: httpx.AsyncClient) -> None:
    global_only = (
        await client.post(
            "/api/predict", json={"player": "Jokic", "stat": "rebounds", "line": 11.5}
        )
    ).json()
    no_model = (
        await client.post("/api/predict", json={"player": "Jokic", "stat": "steals", "line": 1.5})
    ).json()
    combo = (
        await client.post("/api/predict", json={"player": "Jokic", "stat": "pra", "line": 50.5})
    ).json()
    assert global_only["model_scope"] == "global"
    assert global_only["model_version"] == "smp-rebounds-global:1"
    assert no_model["model_scope"] == "season_average"
    assert no_model["recommendation"] is None or no_model["confidence_label"] == "low"
    assert combo["model_scope"] == "global"  # the weakest component decides
    assert combo["predicted_value"] > global_only["predicted_value"]


async def test_every_served_prediction_is_logged(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    before = _logged(api_container)
    for _ in range(2):  # the second answer comes from the cache and is logged all the same
        response = await client.post(
            "/api/predict", json={"player": "Jokic", "stat": "threes", "line": 1.5}
        )
        assert response.status_code == 200
    assert _logged(api_container) == before + 2


@pytest.mark.parametrize(
    ("payload", "status", "fragment"),
    [
        ({"player": "Nikola Jokic", "stat": "points", "line": 95.5}, 422, "at most 80"),
        ({"player": "Nikola Jokic", "stat": "points", "line": -1}, 422, "line"),
        ({"player": "Nikola Jokic", "stat": "dunks", "line": 2.5}, 422, "Unknown stat"),
        ({"player": "Nikola Jokic", "stat": "points", "line": 25.5, "odds_over": 50}, 422, "odds"),
        ({"player": "Nobody Atall", "stat": "points", "line": 25.5}, 404, "No player"),
        ({"player": "Nikola Jokic", "stat": "points"}, 422, "line"),
        ({"player": "Nikola Jokic", "stat": "points", "line": "many"}, 422, "line"),
    ],
)
async def test_bad_requests_get_a_clear_json_error(
    client: httpx.AsyncClient, payload: dict[str, object], status: int, fragment: str
) -> None:
    response = await client.post("/api/predict", json=payload)
    assert response.status_code == status
    assert fragment in response.json()["error"]


async def test_an_ambiguous_name_is_a_409_with_candidates(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/predict", json={"player": "Davis", "stat": "points", "line": 20.5}
    )
    if response.status_code == 409:
        assert len(response.json()["candidates"]) >= 2
    else:  # the slice holds a single Davis
        assert response.status_code == 200


async def test_a_batch_accepts_a_bare_array_and_fails_items_one_by_one(
    client: httpx.AsyncClient,
) -> None:
    items = [
        {"player": "Nikola Jokic", "stat": "points", "line": 27.5},
        {"player": "Nobody Atall", "stat": "points", "line": 10.5},
        {"player": "Nikola Jokic", "stat": "rebounds", "line": 99},
        {"player": "Jamal Murray", "stat": "Pts+Rebs+Asts", "line": 30.5, "odds_over": -125},
    ]
    response = await client.post("/api/batch_predict", json=items)
    assert response.status_code == 200
    results = response.json()["predictions"]
    assert [r["player"] for r in results] == [
        "Nikola Jokic",
        "Nobody Atall",
        "Nikola Jokic",
        "Jamal Murray",
    ]
    assert "error" not in results[0]
    assert "error" not in results[3]
    assert results[1]["status"] == 404
    assert results[1]["error"]
    assert results[2]["status"] == 422
    assert "line" in results[2]["error"]


async def test_a_batch_accepts_the_wrapped_form_and_caps_at_fifty(
    client: httpx.AsyncClient,
) -> None:
    item = {"player": "Nikola Jokic", "stat": "points", "line": 27.5}
    wrapped = await client.post("/api/batch_predict", json={"predictions": [item, item]})
    assert wrapped.status_code == 200
    assert len(wrapped.json()["predictions"]) == 2
    too_many = await client.post("/api/batch_predict", json=[item] * 51)
    assert too_many.status_code == 413
    assert "at most 50" in too_many.json()["error"]
    wrong = await client.post("/api/batch_predict", json={"player": "x"})
    assert wrong.status_code == 422


async def test_a_batch_prices_exactly_as_single_predictions_do(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    items = [
        {"player": name, "stat": stat, "line": line}
        for name in ("Nikola Jokic", "Jamal Murray", "Stephen Curry", "Jayson Tatum")
        for stat, line in (("points", 20.5), ("pra", 30.5), ("steals", 0.5))
    ]
    batch = (await client.post("/api/batch_predict", json=items)).json()["predictions"]
    service = prediction_service(api_container)
    service.forget()
    invalidate_predictions(api_container)
    singles = [(await client.post("/api/predict", json=item)).json() for item in items]
    for one, many in zip(singles, batch, strict=True):
        assert "error" not in many
        for field in ("predicted_value", "over_probability", "model_scope", "model_version"):
            assert many[field] == one[field], (one["player"], one["stat"], field)


async def test_a_promotion_on_disk_reloads_the_models_and_drops_cached_answers(
    client: httpx.AsyncClient,
    api_container: Container,
    served_models: list[StatModel],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = {"player": "Nikola Jokic", "stat": "rebounds", "line": 11.5}
    before = (await client.post("/api/predict", json=request)).json()
    assert before["model_version"] == "smp-rebounds-global:1"
    promoted = [replace(m, version="2") if m.stat == "rebounds" else m for m in served_models]
    register_on_disk(api_container, [m for m in promoted if m.stat == "rebounds"])
    monkeypatch.setattr(champions, "PROMOTION_CHECK_SECONDS", 0.0)
    monkeypatch.setattr(champions, "load_predictor", lambda _s: Predictor.from_models(promoted))
    service = prediction_service(api_container)
    await client.post("/api/predict", json=request)  # notices the new champion, reloads
    for _ in range(100):
        if not service.champions._reloading.is_set():
            break
        await asyncio.sleep(0.02)
    after = (await client.post("/api/predict", json=request)).json()
    assert after["model_version"] == "smp-rebounds-global:2"
