"""POST /api/slip and /api/slip/best over real HTTP (uvicorn), against real data and models."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pandas as pd
import pytest

from statmusepicks.models.leg_correlation import LegCorrelations
from statmusepicks.services import slip_correlations
from statmusepicks.services.container import Container
from tests.servers import serving

DAY = "2025-11-11"
# DEN at SAC that day: two Nuggets; and a Celtic at PHI.
LEGS = [
    {"player": "Nikola Jokic", "stat": "points", "line": 26.5, "side": "over"},
    {"player": "Jamal Murray", "stat": "Points", "line": 21.5, "side": "more"},
    {"player": "Nikola Jokic", "stat": "rebounds", "line": 12, "side": "under"},
    {"player": "Jaylen Brown", "stat": "points", "line": 27.5, "side": "over"},
]


@pytest.fixture
def base_url(api_container: Container) -> Iterator[str]:
    with serving(api_container) as url:
        yield url


@pytest.fixture
def http(base_url: str, api_key: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"X-API-Key": api_key}, timeout=60) as client:
        yield client


def test_a_slip_gets_its_payout_distribution_ev_and_break_even(http: httpx.Client) -> None:
    body = {"app": "prizepicks", "play": "power", "legs": LEGS, "date": DAY, "stake": 10}
    response = http.post("/api/slip", json=body)
    assert response.status_code == 200, response.text
    slip = response.json()
    assert [leg["side"] for leg in slip["legs"]] == ["over", "over", "under", "over"]
    assert slip["payout_table"]["multipliers"] == {"4": 10.0}
    assert slip["payout_table"]["source"].startswith("PrizePicks help centre")
    assert sum(o["probability"] for o in slip["outcomes"]) == pytest.approx(1.0, abs=1e-6)
    assert sum(p["probability"] for p in slip["payouts"]) == pytest.approx(1.0, abs=1e-6)
    # A whole line can push: a push drops the leg, so two-leg outcomes exist.
    assert slip["legs"][2]["push_probability"] > 0
    assert {o["legs_counted"] for o in slip["outcomes"]} >= {3, 4}
    mean = sum(p["multiplier"] * p["probability"] for p in slip["payouts"])
    assert slip["expected_multiplier"] == pytest.approx(mean, abs=1e-3)
    assert slip["expected_value"] == pytest.approx(10 * (mean - 1), abs=1e-2)
    assert slip["break_even_probability"] == pytest.approx(0.5623, abs=1e-4)
    relations = {(p["first"], p["second"]): p["relation"] for p in slip["correlations"]}
    assert relations == {
        (0, 1): "teammates",
        (0, 2): "same_player",
        (0, 3): "other_game",
        (1, 2): "teammates",
        (1, 3): "other_game",
        (2, 3): "other_game",
    }
    # Jokic's points and rebounds move together; the opposite sides make the pair rarer.
    assert slip["correlations"][1]["correlation"] > 0.1
    assert slip["correlations"][2]["correlation"] == 0.0
    assert slip["probability_all_win"] < slip["independent"]["probability_all_win"]
    for leg in slip["legs"]:
        assert leg["win_probability"] + leg["loss_probability"] + leg["push_probability"] == (
            pytest.approx(1.0, abs=1e-3)
        )
    # Seeded: the same request, the same answer; another seed, another draw.
    assert http.post("/api/slip", json=body).json() == slip
    other = http.post("/api/slip", json={**body, "seed": 7}).json()
    assert other["expected_value"] != slip["expected_value"]
    assert other["expected_value"] == pytest.approx(
        slip["expected_value"], abs=6 * slip["standard_error"]
    )


def test_flex_reverts_and_underdog_tables_apply(http: httpx.Client) -> None:
    flex = http.post("/api/slip", json={"play": "flex", "legs": LEGS, "date": DAY}).json()
    assert flex["payout_table"]["multipliers"] == {"3": 1.5, "4": 5.0}
    underdog = http.post("/api/slip", json={"app": "underdog", "legs": LEGS, "date": DAY})
    assert underdog.status_code == 200, underdog.text
    assert underdog.json()["payout_table"]["multipliers"] == {"4": 10.0}


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"legs": LEGS[:1]}, 422),  # one leg
        ({"legs": LEGS * 2}, 422),  # eight legs
        ({"app": "fanduel"}, 422),
        ({"play": "flex", "legs": [LEGS[0], LEGS[3]]}, 422),  # flex needs 3 legs
        ({"app": "underdog", "legs": [*LEGS, *LEGS[:2]]}, 422),  # no 6-leg Underdog table
        ({"date": "2019-01-01"}, 422),  # before the first table
        ({"draws": 10}, 422),
        ({"legs": [{**LEGS[0], "side": "sideways"}, LEGS[1]]}, 422),
        ({"legs": [LEGS[0], LEGS[3], LEGS[0]]}, 422),  # the same leg twice
        ({"legs": [LEGS[0], {**LEGS[3], "player": "Nobody Atall"}]}, 404),
    ],
)
def test_bad_slips_get_json_errors(
    http: httpx.Client, change: dict[str, object], status: int
) -> None:
    response = http.post("/api/slip", json={"legs": LEGS, "date": DAY, **change})
    assert response.status_code == status, response.text
    assert {"error", "code"} <= set(response.json())


def test_an_unknown_player_names_the_leg(http: httpx.Client) -> None:
    legs = [LEGS[0], {**LEGS[3], "player": "Nobody Atall"}]
    body = http.post("/api/slip", json={"legs": legs, "date": DAY}).json()
    assert body["code"] == "not_found"
    assert body["leg"] == 2
    assert body["error"].startswith("Leg 2: ")


def test_a_slip_of_one_team_is_refused_by_prizepicks(http: httpx.Client) -> None:
    response = http.post("/api/slip", json={"legs": LEGS[:2], "date": DAY})
    assert response.status_code == 422
    assert response.json()["min_teams"] == 2


def test_the_best_slip_from_the_board(http: httpx.Client, base_url: str) -> None:
    request = {"date": DAY, "size": 3, "candidates": 12, "beam_width": 3}
    response = http.post("/api/slip/best", json=request)
    assert response.status_code == 200, response.text
    body = response.json()
    best = body["best"]
    assert len(best["legs"]) == 3
    assert len({leg["player_id"] for leg in best["legs"]}) == 3
    assert len({leg["team"] for leg in best["legs"]}) >= 2
    assert body["slips_scored"] > body["candidates"]
    assert all(r["expected_value"] <= best["expected_value"] + 0.2 for r in body["runners_up"])
    assert http.post("/api/slip/best", json=request).json() == body
    assert http.post("/api/slip/best", json={**request, "size": 7}).status_code == 422
    empty = http.post("/api/slip/best", json={**request, "date": "2020-01-01"})
    assert empty.status_code in {404, 422}
    assert httpx.post(f"{base_url}/api/slip", json={"legs": LEGS}).status_code == 401


def test_concurrent_first_slips_share_one_correlation_estimate(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    estimates: list[int] = []
    estimate = slip_correlations.estimate_correlations

    def counted(logs: pd.DataFrame) -> LegCorrelations:
        estimates.append(len(logs))
        return estimate(logs)

    monkeypatch.setattr(slip_correlations, "estimate_correlations", counted)
    body = {"legs": LEGS, "date": DAY, "draws": 5000}
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: http.post("/api/slip", json=body), range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.text for a in answers}) == 1
    assert len(estimates) == 1
