"""One token bucket paces upstream calls and limits API clients, alone or shared through Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from structlog.testing import capture_logs

from statmusepicks.data.rate_limit import (
    BucketState,
    MemoryRateLimiter,
    RedisRateLimiter,
    make_rate_limiter,
    take,
)
from tests.conftest import REDIS_URL
from tests.upstream_fakes import FakeClock

DOWN = "redis://127.0.0.1:1/0"


def test_twenty_one_requests_at_twenty_a_minute_take_a_full_minute() -> None:
    clock = FakeClock()
    bucket = MemoryRateLimiter(20, clock=clock)
    start = clock.now()
    for _ in range(21):
        bucket.acquire()
    assert clock.now() - start == pytest.approx(60.0)
    assert clock.sleeps == pytest.approx([3.0] * 20)


def test_a_bucket_that_has_rested_lets_a_request_through_at_once() -> None:
    clock = FakeClock()
    bucket = MemoryRateLimiter(20, clock=clock)
    bucket.acquire()
    clock.time += 10
    assert bucket.acquire() == 0.0


def test_a_burst_allows_that_many_requests_before_pacing() -> None:
    clock = FakeClock()
    bucket = MemoryRateLimiter(60, burst=5, clock=clock)
    waits = [bucket.acquire() for _ in range(7)]
    assert waits[:5] == [0.0] * 5
    assert waits[5:] == pytest.approx([1.0, 1.0])


def test_reservations_queue_callers_instead_of_letting_them_race() -> None:
    state = BucketState(tokens=0.0, updated_at=100.0)
    state, granted, first = take(state, now=100.0, rate_per_second=1.0, capacity=1.0, reserve=True)
    state, _, second = take(state, now=100.0, rate_per_second=1.0, capacity=1.0, reserve=True)
    assert granted is True
    assert (first, second) == (1.0, 2.0)


def test_a_hit_on_an_empty_bucket_is_refused_and_keeps_its_tokens() -> None:
    state = BucketState(tokens=0.5, updated_at=100.0)
    after, granted, wait = take(state, now=100.0, rate_per_second=1.0, capacity=2.0, reserve=False)
    assert granted is False
    assert wait == pytest.approx(0.5)
    assert after.tokens == pytest.approx(0.5)


def test_hits_refuse_over_the_limit_until_the_bucket_refills() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(3, burst=3, clock=clock)
    decisions = [limiter.hit("key:1") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert decisions[3].retry_after == pytest.approx(20.0)
    assert limiter.hit("key:2").allowed is True  # one bucket per key
    clock.time += 20
    assert limiter.hit("key:1").allowed is True


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        MemoryRateLimiter(0)


@dataclass
class SharedBuckets:
    """Limiters over one Redis under a key prefix of this test's own, on one fake clock."""

    client: redis.Redis
    prefix: str
    clock: FakeClock = field(default_factory=FakeClock)

    def limiter(self, rate: int, **options: Any) -> RedisRateLimiter:
        return RedisRateLimiter(self.client, self.prefix, rate, clock=self.clock, **options)


@pytest.fixture
def redis_buckets(redis_skip_reason: str | None) -> Iterator[SharedBuckets]:
    """Shared buckets whose Redis keys are deleted after the test."""
    if redis_skip_reason:
        pytest.skip(reason=redis_skip_reason)
    buckets = SharedBuckets(redis.Redis.from_url(REDIS_URL), f"test:ratelimit:{uuid.uuid4().hex}")
    yield buckets
    for key in buckets.client.scan_iter(f"{buckets.prefix}:*"):
        buckets.client.delete(key)


@pytest.mark.redis
def test_two_processes_share_one_bucket_through_redis(redis_buckets: SharedBuckets) -> None:
    worker_a = redis_buckets.limiter(20, name="nba_stats")
    worker_b = redis_buckets.limiter(20, name="nba_stats")
    assert worker_a.acquire() == 0.0
    # The second worker finds the token spent by the first and waits its turn.
    assert worker_b.acquire() == pytest.approx(3.0)
    assert worker_a.acquire() == pytest.approx(3.0)
    assert redis_buckets.client.exists(f"{redis_buckets.prefix}:nba_stats")


@pytest.mark.redis
def test_hits_through_redis_refuse_with_the_same_arithmetic(redis_buckets: SharedBuckets) -> None:
    shared = redis_buckets.limiter(3, burst=3)
    local = MemoryRateLimiter(3, burst=3, clock=redis_buckets.clock)
    for _ in range(4):
        assert shared.hit("key:1") == local.hit("key:1")


def test_an_unreachable_redis_degrades_to_an_in_process_bucket_and_logs_once() -> None:
    clock = FakeClock()
    limiter = make_rate_limiter("nba", 20, redis_url=DOWN, clock=clock)
    with capture_logs() as logs:
        assert limiter.acquire() == 0.0
        assert limiter.acquire() == pytest.approx(3.0)
        assert [limiter.hit("key:1").allowed for _ in range(2)] == [True, False]
    assert [entry["event"] for entry in logs] == ["rate_limit.redis_unavailable"]


def test_without_redis_the_limiter_is_in_process() -> None:
    assert isinstance(make_rate_limiter("nba", 20, redis_url=None), MemoryRateLimiter)


def test_with_redis_configured_the_buckets_live_under_the_namespace() -> None:
    limiter = make_rate_limiter("nba_stats", 20, redis_url=REDIS_URL, namespace="smp")
    assert isinstance(limiter, RedisRateLimiter)
    assert limiter.redis_key("nba_stats") == "smp:ratelimit:nba_stats"
