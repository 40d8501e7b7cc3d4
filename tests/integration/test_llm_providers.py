"""The language-model providers against a local server speaking Ollama's and OpenAI's formats."""

from __future__ import annotations

import pytest

from statmusepicks.core.settings import Settings
from statmusepicks.services.llm.providers import (
    LLMError,
    LLMProvider,
    OllamaProvider,
    OpenAICompatibleProvider,
    complete,
    llm_provider,
)
from tests.upstream_fakes import LLMServer, running_llm


def _providers(server: LLMServer, timeout: float = 5.0) -> list[LLMProvider]:
    return [
        OllamaProvider(server.ollama_url, "llama3.1:8b", timeout),
        OpenAICompatibleProvider(server.openai_url, "llama3.1:8b", timeout, api_key="sk-test"),
    ]


async def _collect(provider: LLMProvider, prompt: str = "Jokic over 27.5?") -> list[str]:
    return [chunk async for chunk in provider.generate(prompt)]


async def test_both_providers_stream_the_chunks_in_order() -> None:
    with running_llm(LLMServer()) as server:
        for provider in _providers(server):
            assert await _collect(provider) == ["The ", "over ", "looks ", "fair."]
        chat = await complete(_providers(server)[0], [{"role": "user", "content": "hi"}])
    assert chat == "The over looks fair."
    paths = [path for path, _ in server.requests]
    assert paths == ["/api/generate", "/v1/chat/completions", "/api/chat"]
    generate, completions, _ = (body for _, body in server.requests)
    assert generate["prompt"] == "Jokic over 27.5?"
    assert generate["stream"] is True
    assert completions["messages"] == [{"role": "user", "content": "Jokic over 27.5?"}]
    assert completions["model"] == "llama3.1:8b"


@pytest.mark.parametrize(
    "failure",
    [{"break_after": 2}, {"malformed": True}, {"status": 404}, {"status": 500}],
    ids=["broken-stream", "malformed-line", "404", "500"],
)
async def test_a_failing_server_is_an_llm_error(failure: dict[str, object]) -> None:
    with running_llm(LLMServer(**failure)) as server:  # type: ignore[arg-type]
        for provider in _providers(server):
            with pytest.raises(LLMError):
                await _collect(provider)


async def test_a_server_slower_than_the_timeout_is_an_llm_error() -> None:
    with running_llm(LLMServer(delay=0.5)) as server:
        for provider in _providers(server, timeout=0.1):
            with pytest.raises(LLMError):
                await _collect(provider)


async def test_an_unreachable_server_is_an_llm_error() -> None:
    with running_llm(LLMServer()) as server:
        url = server.base_url
    for provider in (
        OllamaProvider(url, "m", 1.0),
        OpenAICompatibleProvider(f"{url}/v1", "m", 1.0),
    ):
        with pytest.raises(LLMError):
            await _collect(provider)


def test_the_provider_follows_the_settings(settings: Settings) -> None:
    assert llm_provider(settings) is None
    ollama = llm_provider(settings.model_copy(update={"ollama_url": "http://127.0.0.1:11434"}))
    assert isinstance(ollama, OllamaProvider)
    both = settings.model_copy(
        update={"ollama_url": "http://127.0.0.1:11434", "llm_base_url": "http://127.0.0.1:8000/v1"}
    )
    assert isinstance(llm_provider(both), OpenAICompatibleProvider)
