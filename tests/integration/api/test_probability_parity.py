"""Served probabilities do not move when the serving path gets faster.

A fixed set of props (single predicts, one batch, two boards) is priced over HTTP and compared
with `fixtures/probability_parity.json`, recorded from the per-player serving path before the
day's feature rows were precomputed: every served probability must stay within 1e-6 of it.
`PARITY_RECORD=1` rewrites the recording; do that only for a change meant to move prices (new
features, new models), never for a speed-up.

A batch is held to the single predicts of the recording, the per-player reference path: the
recorded batch answers came from a build of several game dates in one call, which read each
team's games up to the latest date and so differed from the single predict in 40 of the 160
props (by up to 0.02); rows are now built one game date at a time and a batch item equals its
single predict.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from statmusepicks.data.rate_limit import MemoryRateLimiter
from statmusepicks.services.container import Container
from statmusepicks.services.predictions import invalidate_predictions

RECORDING = Path(__file__).parent / "fixtures" / "probability_parity.json"
TOLERANCE = 1e-6
PLAYERS = (203999, 1627750, 1630559, 1629029, 1627759, 1628401, 1641764, 203110)
STAT_LINES = (("points", 19.5), ("rebounds", 6.0), ("assists", 4.5), ("threes", 1.5), ("pra", 31.5))
DATES = ("2025-11-11", "2025-11-12", "2025-11-14", None)
BOARD_DATES = ("2025-11-11", "2025-11-12")
BATCH = 40
PROBABILITIES = (
    "over_probability",
    "under_probability",
    "push_probability",
    "model_over_probability",
    "market_over_probability",
    "confidence_probability",
    "predicted_value",
    "std",
    "expected_value",
    "edge",
)


def props() -> list[dict[str, Any]]:
    """The fixed props: every player, stat and date above, at -110 both ways unless a book's
    price is stored (the market then comes from the stored lines)."""
    found = []
    for player in PLAYERS:
        for stat, line in STAT_LINES:
            for day in DATES:
                prop: dict[str, Any] = {"player": player, "stat": stat, "line": line}
                if day is not None:
                    prop["date"] = day
                found.append(prop)
    return found


def _priced(answer: dict[str, Any]) -> dict[str, Any]:
    if "error" in answer:
        return {"error": answer["code"]}
    return {
        **{name: answer[name] for name in PROBABILITIES},
        "model_version": answer["model_version"],
        "model_scope": answer["model_scope"],
    }


async def served(client: httpx.AsyncClient, container: Container) -> dict[str, Any]:
    """Every priced figure of the fixed props, keyed by where it was served."""
    answers: dict[str, Any] = {}
    container.rate_limiter = MemoryRateLimiter(100_000, burst=100_000)
    invalidate_predictions(container)
    for prop in props():
        response = await client.post("/api/predict", json=prop)
        key = f"predict:{prop['player']}:{prop['stat']}:{prop.get('date')}"
        answers[key] = _priced(response.json()) | {"status": response.status_code}
    invalidate_predictions(container)
    for start in range(0, len(props()), BATCH):
        chunk = props()[start : start + BATCH]
        batch = await client.post("/api/batch_predict", json=chunk)
        assert batch.status_code == 200, batch.text
        for prop, answer in zip(chunk, batch.json()["predictions"], strict=True):
            answers[f"batch:{prop['player']}:{prop['stat']}:{prop.get('date')}"] = _priced(answer)
    for day in BOARD_DATES:
        invalidate_predictions(container)
        board = await client.get("/api/board", params={"date": day})
        assert board.status_code == 200, board.text
        for prop in board.json()["props"]:
            key = f"board:{day}:{prop['player_id']}:{prop['stat']}:{prop['line']:g}"
            answers[key] = _priced(prop)
    return answers


def _differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    wrong = []
    for key in sorted(set(expected) | set(actual)):
        old, new = expected.get(key), actual.get(key)
        if old is None or new is None or old.keys() != new.keys():
            wrong.append(f"{key}: {old} != {new}")
            continue
        for name, value in old.items():
            if isinstance(value, float):
                if abs(value - new[name]) > TOLERANCE:
                    wrong.append(f"{key}.{name}: {value} -> {new[name]}")
            elif value != new[name]:
                wrong.append(f"{key}.{name}: {value!r} -> {new[name]!r}")
    return wrong


async def test_served_probabilities_match_the_recording(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    answers = await served(client, api_container)
    if os.environ.get("PARITY_RECORD") == "1":
        RECORDING.parent.mkdir(exist_ok=True)
        RECORDING.write_text(json.dumps(answers, indent=1, sort_keys=True) + "\n")
        pytest.skip(reason="PARITY_RECORD=1: the answers were recorded, nothing to compare")
    recorded = json.loads(RECORDING.read_text())
    for key in [key for key in recorded if key.startswith("batch:")]:
        single = recorded["predict:" + key.removeprefix("batch:")]
        recorded[key] = {name: value for name, value in single.items() if name != "status"}
    priced = [key for key, answer in recorded.items() if "over_probability" in answer]
    assert len(priced) > 1000
    assert _differences(recorded, answers) == []
