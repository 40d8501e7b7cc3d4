"""Language-model providers: Ollama (its official client) and OpenAI-compatible servers.

Both stream text chunks as an async iterator; closing the iterator early (a client that went
away) closes the upstream HTTP stream, which is how either server learns to stop generating.
Every failure a caller can act on is an `LLMError`, raised `from` the transport's own error.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict

import httpx
import ollama

from statmusepicks.core.errors import UpstreamError
from statmusepicks.core.settings import Settings


class LLMError(UpstreamError):
    """The language model could not be reached, refused, or broke off its answer."""

    code = "llm_error"


class ChatMessage(TypedDict):
    """One turn of a chat, in the shape both APIs take."""

    role: Literal["system", "user", "assistant"]
    content: str


class LLMProvider(Protocol):
    """Something that streams a model's text."""

    @property
    def name(self) -> str:
        """The kind of server, for logs and cache keys."""
        ...

    @property
    def model(self) -> str:
        """The default model name."""
        ...

    def generate(self, prompt: str, *, model: str | None = None) -> AsyncIterator[str]:
        """Stream the continuation of a bare prompt."""
        ...

    def chat(
        self, messages: Sequence[ChatMessage], *, model: str | None = None
    ) -> AsyncIterator[str]:
        """Stream the assistant's answer to a conversation."""
        ...


@dataclass(frozen=True)
class OllamaProvider:
    """An Ollama server, through the official `ollama` client (`/api/generate`, `/api/chat`)."""

    url: str
    model: str
    timeout: float
    name: str = "ollama"

    async def generate(self, prompt: str, *, model: str | None = None) -> AsyncIterator[str]:
        async with ollama.AsyncClient(host=self.url, timeout=self.timeout) as client:
            try:
                parts = await client.generate(model=model or self.model, prompt=prompt, stream=True)
                async with aclosing(parts):
                    async for part in parts:
                        if part.response:
                            yield part.response
            except (ollama.ResponseError, ConnectionError, httpx.HTTPError, ValueError) as exc:
                raise LLMError(f"Ollama failed: {exc}", details={"provider": self.name}) from exc

    async def chat(
        self, messages: Sequence[ChatMessage], *, model: str | None = None
    ) -> AsyncIterator[str]:
        async with ollama.AsyncClient(host=self.url, timeout=self.timeout) as client:
            try:
                parts = await client.chat(
                    model=model or self.model, messages=list(messages), stream=True
                )
                async with aclosing(parts):
                    async for part in parts:
                        if part.message.content:
                            yield part.message.content
            except (ollama.ResponseError, ConnectionError, httpx.HTTPError, ValueError) as exc:
                raise LLMError(f"Ollama failed: {exc}", details={"provider": self.name}) from exc


@dataclass(frozen=True)
class OpenAICompatibleProvider:
    """Any server speaking OpenAI's streaming `POST /chat/completions` (vLLM, llama.cpp...)."""

    base_url: str
    model: str
    timeout: float
    api_key: str | None = None
    transport: httpx.AsyncBaseTransport | None = None
    name: str = "openai-compatible"

    def generate(self, prompt: str, *, model: str | None = None) -> AsyncIterator[str]:
        return self.chat([{"role": "user", "content": prompt}], model=model)

    async def chat(
        self, messages: Sequence[ChatMessage], *, model: str | None = None
    ) -> AsyncIterator[str]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": model or self.model, "messages": list(messages), "stream": True}
        url = f"{self.base_url.rstrip('/')}/chat/completions"
        try:
            async with (
                httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client,
                client.stream("POST", url, json=body, headers=headers) as response,
            ):
                if response.is_error:
                    await response.aread()
                    raise LLMError(
                        f"The language model answered {response.status_code}: "
                        f"{response.text[:200]}",
                        details={"provider": self.name, "status": response.status_code},
                    )
                async for line in response.aiter_lines():
                    chunk = _completion_chunk(line)
                    if chunk is None:
                        return
                    if chunk:
                        yield chunk
        except httpx.HTTPError as exc:
            raise LLMError(
                f"The language model failed: {exc!r}", details={"provider": self.name}
            ) from exc
        raise LLMError(
            "The language model's stream ended without [DONE].", details={"provider": self.name}
        )


def _completion_chunk(line: str) -> str | None:
    """The text of one SSE line of a chat-completions stream; None at `[DONE]`."""
    if not line.startswith("data:"):
        return ""
    data = line[5:].strip()
    if data == "[DONE]":
        return None
    try:
        event = json.loads(data)
    except json.JSONDecodeError as exc:
        raise LLMError(f"Malformed stream event: {data[:100]!r}") from exc
    if "error" in event:
        raise LLMError(f"The language model reported: {event['error']}")
    choices = event.get("choices") or [{}]
    return str((choices[0].get("delta") or {}).get("content") or "")


def llm_provider(settings: Settings) -> LLMProvider | None:
    """The configured provider: LLM_BASE_URL first, then OLLAMA_URL; None when neither is set."""
    if settings.llm_base_url:
        return OpenAICompatibleProvider(
            settings.llm_base_url,
            settings.llm_model,
            settings.llm_timeout_seconds,
            api_key=settings.llm_api_key,
        )
    if settings.ollama_url:
        return OllamaProvider(
            settings.ollama_url, settings.ollama_model, settings.llm_timeout_seconds
        )
    return None


async def complete(provider: LLMProvider, messages: Sequence[ChatMessage]) -> str:
    """A whole chat answer (the stream joined)."""
    parts = provider.chat(messages)
    async with aclosing(parts):  # type: ignore[type-var]
        return "".join([part async for part in parts])
