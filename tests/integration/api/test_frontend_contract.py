"""The StatMusePicksv2 frontend's contract, each point read from its own code and types.

Where a point is pinned in depth elsewhere, this file names that test instead of repeating it:

- `recommendation` is OVER, UNDER or null, our PASS is `decision`: here, and
  `test_predict.py::test_a_prediction_has_every_field_of_the_frontend_contract`.
- Confidences on a 0-100 scale (its `reviewThreshold`, `modelConfidenceScore`): here.
- `GET /api/models` answers `{"models": [...]}`: here, and `test_models_api.py`.
- Context by `player_name` / `stat_type` / `game_date`: `tests/integration/test_context_api.py::
  test_the_frontends_parameter_names_give_the_same_answer`.
- Its own context calls (GET `player, stat, limit` with a Bearer key; a batch as a bare list):
  here.
- Player names as books print them (`Herb Jones`, `A.J. Green`): `test_book_names.py`.
- `/api/ollama_stream` read by its SSE parser (`aiService.v2.ts`): here, and `test_llm_api.py`.
- The analysis keys its validator requires (`analysisValidator.ts`), `dataUsed`,
  `modelConfidenceScore` and `numericEvidence.opponent.defensiveRating` / `pace`: here.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from statmusepicks.services.container import Container
from tests.integration.api.conftest import http_client
from tests.upstream_fakes import LLMServer, running_llm

PROP = {"player": "Nikola Jokic", "stat": "points", "line": 25.5}
# analysisValidator.ts: every item must hold these keys.
VALIDATOR_KEYS = {
    "player",
    "stat",
    "line",
    "recommendation",
    "confidence",
    "numericEvidence",
    "reasoning",
    "dataUsed",
}


def frontend_stream_text(body: str) -> tuple[str, bool]:
    """`streamOllamaAnalysis` in Python: frames split on a blank line and trimmed, `data:` and
    the spaces after it stripped, JSON read for `content` or `text`; [DONE] ends it."""
    text = ""
    for frame in body.split("\n\n"):
        line = frame.strip()
        if not line.startswith("data:"):
            continue
        data = re.sub(r"^data:\s*", "", line, flags=re.IGNORECASE)
        if data == "[DONE]":
            return text, True
        parsed = json.loads(data)
        text += parsed.get("content") or parsed.get("text") or ""
    return text, False


@pytest.fixture
async def bearer(api_container: Container, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends its key as the frontend does: `Authorization: Bearer`."""
    async for http in http_client(api_container, {"Authorization": f"Bearer {api_key}"}):
        yield http


async def test_recommendation_is_a_side_or_null_and_decision_says_pass(
    client: httpx.AsyncClient,
) -> None:
    for line in (5.5, 25.5, 29.5, 60.5):
        body = (await client.post("/api/predict", json={**PROP, "line": line})).json()
        assert body["recommendation"] in {"OVER", "UNDER", None}
        assert body["decision"] == (body["recommendation"] or "PASS")
        analysis = (await client.post("/api/analysis", json={**PROP, "line": line})).json()
        assert analysis["recommendation"] in {"OVER", "UNDER", None}


async def test_confidences_are_on_the_frontends_0_to_100_scale(client: httpx.AsyncClient) -> None:
    prediction = (await client.post("/api/predict", json=PROP)).json()
    analysis = (await client.post("/api/analysis", json=PROP)).json()
    assert 50 <= prediction["confidence"] <= 100
    assert isinstance(analysis["modelConfidenceScore"], int)
    assert analysis["modelConfidenceScore"] == round(prediction["confidence"])
    assert analysis["confidence"] in {"High", "Medium", "Low"}


async def test_models_are_listed_under_models(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/models")).json()
    assert isinstance(body["models"], list)
    assert body["models"]
    assert {"name", "version", "stat"} <= set(body["models"][0])


async def test_the_frontends_own_context_calls_are_answered(bearer: httpx.AsyncClient) -> None:
    single = await bearer.get(
        "/api/player_context", params={"player": "Nikola Jokic", "stat": "Points", "limit": 8}
    )
    assert single.status_code == 200, single.text
    context = single.json()
    assert len(context["recentGames"]) == 8
    assert all(isinstance(game["statValue"], float | int) for game in context["recentGames"])
    assert context["seasonAvg"] > 0
    batch = await bearer.post(
        "/api/batch_player_context",
        json=[{"player": "Nikola Jokic", "stat": "points", "limit": 8}, {"player": "Zzyzx Q"}],
    )
    items = batch.json()
    assert isinstance(items, list)
    assert items[0]["recentGames"] == context["recentGames"]
    assert "error" in items[1]


async def test_the_stream_reads_back_exactly_through_the_frontends_parser(
    api_container: Container, api_key: str
) -> None:
    chunks = ["Over", " looks", " fair:\n", "  28.1 ", "projected."]
    with running_llm(LLMServer(chunks=chunks)) as fake:
        settings = api_container.settings.model_copy(update={"ollama_url": fake.ollama_url})
        container = replace(api_container, settings=settings)
        async for http in http_client(container, {"Authorization": f"Bearer {api_key}"}):
            response = await http.post("/api/ollama_stream", json={"model": "m", "prompt": "Hi"})
    assert frontend_stream_text(response.text) == ("".join(chunks), True)


async def test_the_analysis_carries_every_key_the_frontend_reads(client: httpx.AsyncClient) -> None:
    body = (await client.post("/api/analysis", json=PROP)).json()
    assert set(body) >= VALIDATOR_KEYS
    assert isinstance(body["dataUsed"]["external"], bool)
    assert "nba" in body["dataUsed"]["sources"]
    evidence = body["numericEvidence"]
    assert {"recentGames", "seasonAvg", "opponent", "projectedMinutes"} <= set(evidence)
    assert all({"date", "statValue"} <= set(game) for game in evidence["recentGames"])
    opponent = evidence["opponent"]
    assert {"name", "defensiveRating", "pace"} <= set(opponent)
    if opponent["name"] is not None:
        assert 90 < opponent["defensiveRating"] < 130
        assert 90 < opponent["pace"] < 110
