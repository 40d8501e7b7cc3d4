"""POST /api/ollama_stream and /api/analysis over real HTTP, with and without a language model."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace

import httpx
import pytest

from statmusepicks.services.container import Container
from tests.integration.api.conftest import http_client
from tests.servers import serving
from tests.upstream_fakes import LLMServer, running_llm

PROP = {"player": "Nikola Jokic", "stat": "points", "line": 15.5}


def _events(body: str) -> list[str]:
    return [frame.removeprefix("data: ") for frame in body.split("\n\n") if frame]


@contextmanager
def llm_container(
    container: Container, server: LLMServer, **settings: object
) -> Iterator[Container]:
    """The serving container with its language model pointed at the stand-in."""
    update = {"ollama_url": server.ollama_url, "ollama_model": "llama3.1:8b", **settings}
    yield replace(container, settings=container.settings.model_copy(update=update))


@pytest.fixture
async def llm_client(
    api_container: Container, api_key: str
) -> AsyncIterator[tuple[httpx.AsyncClient, LLMServer]]:
    with running_llm(LLMServer()) as server, llm_container(api_container, server) as container:
        async for http in http_client(container, {"X-API-Key": api_key}):
            yield http, server


async def test_the_stream_sends_each_chunk_then_done(
    llm_client: tuple[httpx.AsyncClient, LLMServer],
) -> None:
    client, server = llm_client
    response = await client.post("/api/ollama_stream", json={"model": "qwen", "prompt": "Hi"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    assert events[-1] == "[DONE]"
    assert [json.loads(e)["text"] for e in events[:-1]] == server.chunks
    assert server.requests[0][1]["model"] == "qwen"
    alias = await client.post("/api/ollama_stream", json={"input": "Hi"})
    assert _events(alias.text)[-1] == "[DONE]"
    assert server.requests[1][1]["model"] == "llama3.1:8b"


async def test_a_stream_without_prompt_is_a_400(
    llm_client: tuple[httpx.AsyncClient, LLMServer],
) -> None:
    client, server = llm_client
    response = await client.post("/api/ollama_stream", json={"model": "qwen"})
    assert response.status_code == 400
    assert "prompt" in response.json()["error"]
    assert server.requests == []


async def test_a_broken_stream_ends_with_one_error_event(
    llm_client: tuple[httpx.AsyncClient, LLMServer],
) -> None:
    client, server = llm_client
    server.break_after = 2
    events = _events((await client.post("/api/ollama_stream", json={"prompt": "Hi"})).text)
    assert [json.loads(e)["text"] for e in events[:2]] == server.chunks[:2]
    assert len(events) == 3
    assert "error" in json.loads(events[2])


async def test_without_a_model_the_stream_says_so_and_the_key_is_required(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    events = _events((await client.post("/api/ollama_stream", json={"prompt": "Hi"})).text)
    assert len(events) == 1
    assert json.loads(events[0])["code"] == "llm_not_configured"
    assert (await anonymous.post("/api/ollama_stream", json={"prompt": "Hi"})).status_code == 401


async def test_a_client_that_disconnects_stops_the_upstream_generation(
    api_container: Container, api_key: str
) -> None:
    slow = LLMServer(chunks=[f"token{i} " for i in range(100)], delay=0.1)
    with (
        running_llm(slow) as fake,
        llm_container(api_container, fake) as container,
        serving(container) as url,
    ):
        async with (
            httpx.AsyncClient(base_url=url, headers={"X-API-Key": api_key}) as http,
            http.stream("POST", "/api/ollama_stream", json={"prompt": "Hi"}) as response,
        ):
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    break  # the reader leaves after the first chunk
        for _ in range(100):
            if fake.aborted:
                break
            await asyncio.sleep(0.05)
    assert fake.aborted == 1
    assert fake.completed == 0


async def test_without_a_model_the_analysis_is_written_from_the_numbers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/analysis", json=PROP)
    assert response.status_code == 200, response.text
    body = response.json()
    evidence = body["numericEvidence"]
    assert body["source"] == "deterministic"
    assert body["needsReview"] is False
    assert body["recommendation"] in {"OVER", "UNDER", None}
    assert evidence["line"] == 15.5
    assert f"{evidence['predictedValue']:.1f}" in body["reasoning"]
    assert len(evidence["recentGames"]) == 10
    assert evidence["seasonAvg"] > 0


async def _model_side(client: httpx.AsyncClient) -> tuple[str, str, float]:
    """The side the prediction favours, the other side, and the favoured side's probability."""
    body = (await client.post("/api/predict", json=PROP)).json()
    over, under = body["over_probability"], body["under_probability"]
    return ("OVER", "UNDER", over) if over >= under else ("UNDER", "OVER", under)


def _verdict(recommendation: str) -> list[str]:
    text = json.dumps(
        {"recommendation": recommendation, "confidence": "high", "reasoning": "Line is low."}
    )
    return ["```json\n", text[:20], text[20:], "\n```"]


async def test_the_models_verdict_is_parsed_and_cached(
    llm_client: tuple[httpx.AsyncClient, LLMServer],
) -> None:
    client, server = llm_client
    side, _, _ = await _model_side(client)
    server.chunks = _verdict(side.lower())
    first = (await client.post("/api/analysis", json=PROP)).json()
    again = (await client.post("/api/analysis", json=PROP)).json()
    assert first["source"] == "llm"
    assert first["recommendation"] == side
    assert first["confidence"] == "High"
    assert first["reasoning"] == "Line is low."
    assert first["needsReview"] is False
    assert again == first
    assert [path for path, _ in server.requests] == ["/api/chat"]  # the second came from cache
    prompt = server.requests[0][1]["messages"][1]["content"]
    assert str(first["numericEvidence"]["predictedValue"]) in prompt


async def test_a_verdict_against_a_confident_model_is_held_for_review(
    llm_client: tuple[httpx.AsyncClient, LLMServer],
) -> None:
    client, server = llm_client
    _, other, probability = await _model_side(client)
    assert probability >= 0.65  # the model is sure of a 15.5 line for Jokic
    server.chunks = _verdict(other)
    body = (await client.post("/api/analysis", json=PROP)).json()
    assert body["llmRecommendation"] == other
    assert body["recommendation"] is None
    assert body["needsReview"] is True


@pytest.mark.parametrize("failure", [{"break_after": 1}, {"chunks": ["I think over."]}])
async def test_a_failing_model_falls_back_to_the_numbers(
    llm_client: tuple[httpx.AsyncClient, LLMServer], failure: dict[str, object]
) -> None:
    client, server = llm_client
    for name, value in failure.items():
        setattr(server, name, value)
    body = (await client.post("/api/analysis", json=PROP)).json()
    assert body["source"] == "deterministic"
    assert body["llmError"]
