"""The token bucket paces requests without real sleeps, alone or shared through Redis."""

from __future__ import annotations

import uuid

import pytest
import redis

from statmusepicks.data.clients.rate_limit import (
    BucketState,
    InProcessTokenBucket,
    RedisTokenBucket,
    make_rate_limiter,
    reserve,
)
from tests.conftest import REDIS_URL
from tests.upstream_fakes import FakeClock


def test_twenty_one_requests_at_twenty_a_minute_take_a_full_minute() -> None:
    clock = FakeClock()
    bucket = InProcessTokenBucket(20, clock=clock)
    start = clock.now()
    for _ in range(21):
        bucket.acquire()
    assert clock.now() - start == pytest.approx(60.0)
    assert clock.sleeps == pytest.approx([3.0] * 20)


def test_a_bucket_that_has_rested_lets_a_request_through_at_once() -> None:
    clock = FakeClock()
    bucket = InProcessTokenBucket(20, clock=clock)
    bucket.acquire()
    clock.time += 10
    assert bucket.acquire() == 0.0


def test_a_burst_allows_that_many_requests_before_pacing() -> None:
    clock = FakeClock()
    bucket = InProcessTokenBucket(60, burst=5, clock=clock)
    waits = [bucket.acquire() for _ in range(7)]
    assert waits[:5] == [0.0] * 5
    assert waits[5:] == pytest.approx([1.0, 1.0])


def test_reservations_queue_callers_instead_of_letting_them_race() -> None:
    state = BucketState(tokens=0.0, updated_at=100.0)
    state, first = reserve(state, now=100.0, rate_per_second=1.0, capacity=1.0)
    state, second = reserve(state, now=100.0, rate_per_second=1.0, capacity=1.0)
    assert (first, second) == (1.0, 2.0)


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        InProcessTokenBucket(0)


@pytest.mark.redis
def test_two_processes_share_one_bucket_through_redis(redis_skip_reason: str | None) -> None:
    if redis_skip_reason:
        pytest.skip(reason=redis_skip_reason)
    client = redis.Redis.from_url(REDIS_URL)
    key = f"test:ratelimit:{uuid.uuid4().hex}"
    clock = FakeClock()
    worker_a = RedisTokenBucket(client, key, 20, clock=clock)
    worker_b = RedisTokenBucket(client, key, 20, clock=clock)
    try:
        assert worker_a.acquire() == 0.0
        # The second worker finds the token spent by the first and waits its turn.
        assert worker_b.acquire() == pytest.approx(3.0)
        assert worker_a.acquire() == pytest.approx(3.0)
    finally:
        client.delete(key)


def test_an_unreachable_redis_degrades_to_an_in_process_bucket() -> None:
    clock = FakeClock()
    limiter = make_rate_limiter("nba", 20, redis_url="redis://127.0.0.1:1/0", clock=clock)
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(3.0)


def test_without_redis_the_limiter_is_in_process() -> None:
    assert isinstance(make_rate_limiter("nba", 20, redis_url=None), InProcessTokenBucket)


def test_with_redis_configured_the_limiter_is_shared_through_redis() -> None:
    limiter = make_rate_limiter("nba_stats", 20, redis_url=REDIS_URL, namespace="smp")
    assert isinstance(limiter, RedisTokenBucket)
    assert limiter.key == "smp:ratelimit:nba_stats"
