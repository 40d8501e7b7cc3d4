"""Retry waits: exponential with bounded jitter, capped, and Retry-After wins when sent."""

from __future__ import annotations

import httpx
import pytest

from statmusepicks.core.errors import UpstreamError
from statmusepicks.data.clients.upstream import RetryPolicy, UpstreamJSONClient
from statmusepicks.data.rate_limit import MemoryRateLimiter
from tests.upstream_fakes import FakeClock


def failing_client(policy: RetryPolicy, response: httpx.Response) -> UpstreamJSONClient:
    return UpstreamJSONClient(
        source="test",
        base_url="https://upstream.test",
        transport=httpx.MockTransport(lambda _request: response),
        rate_limiter=MemoryRateLimiter(600, clock=FakeClock()),
        retry=policy,
    )


def test_waits_double_from_the_initial_wait_plus_at_most_the_jitter() -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=5, initial_wait=0.5, jitter=0.25, sleep=waits.append)
    with pytest.raises(UpstreamError, match="after 5 attempts"):
        failing_client(policy, httpx.Response(503)).get_json("x")
    assert len(waits) == 4
    for wait, base in zip(waits, [0.5, 1.0, 2.0, 4.0], strict=True):
        assert base <= wait <= base + 0.25


def test_waits_never_exceed_the_cap() -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=6, initial_wait=1.0, max_wait=3.0, sleep=waits.append)
    with pytest.raises(UpstreamError):
        failing_client(policy, httpx.Response(500)).get_json("x")
    assert max(waits) <= 3.0
    assert waits[-1] == 3.0


def test_a_retry_after_replaces_the_backoff() -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=3, jitter=0.0, sleep=waits.append)
    with pytest.raises(UpstreamError):
        failing_client(policy, httpx.Response(429, headers={"Retry-After": "9"})).get_json("x")
    assert waits == [9.0, 9.0]
