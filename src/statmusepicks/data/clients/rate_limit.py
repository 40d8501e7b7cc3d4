"""Token buckets that pace calls to upstream APIs, in-process or shared through Redis.

stats.nba.com starts refusing (or silently hanging) clients that burst, so every request first
reserves a token. A reservation may drive the bucket negative: the caller then sleeps exactly
as long as it takes the bucket to refill to zero, so N callers queue fairly instead of polling.
Both buckets take the same injectable clock, so tests advance time instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis

from statmusepicks.core.logging import get_logger

log = get_logger(__name__)


class Clock(Protocol):
    """Wall time and sleeping, injectable so that tests run without real waits."""

    def now(self) -> float:
        """Seconds since the epoch (shared across processes, unlike a monotonic clock)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for `seconds`."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Really sleep."""
        time.sleep(seconds)


class RateLimiter(Protocol):
    """Something that blocks until the caller may send one request."""

    def acquire(self) -> float:
        """Wait for a token; returns the seconds waited."""
        ...


@dataclass
class BucketState:
    """Tokens left (negative when callers have reserved ahead) as of `updated_at`."""

    tokens: float
    updated_at: float


def reserve(
    state: BucketState, *, now: float, rate_per_second: float, capacity: float
) -> tuple[BucketState, float]:
    """Take one token; return the new state and how long the caller must wait for it."""
    elapsed = max(0.0, now - state.updated_at)
    tokens = min(capacity, state.tokens + elapsed * rate_per_second) - 1.0
    wait = 0.0 if tokens >= 0 else -tokens / rate_per_second
    return BucketState(tokens=tokens, updated_at=max(now, state.updated_at)), wait


class InProcessTokenBucket:
    """A token bucket for one process (threads share it)."""

    def __init__(
        self, requests_per_minute: int, *, burst: int = 1, clock: Clock | None = None
    ) -> None:
        if requests_per_minute <= 0:
            raise ValueError("requests_per_minute must be positive")
        self.rate_per_second = requests_per_minute / 60.0
        self.capacity = float(max(1, burst))
        self.clock: Clock = clock or SystemClock()
        self._state = BucketState(tokens=self.capacity, updated_at=self.clock.now())
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Reserve a token and sleep until it is ours."""
        with self._lock:
            self._state, wait = reserve(
                self._state,
                now=self.clock.now(),
                rate_per_second=self.rate_per_second,
                capacity=self.capacity,
            )
        if wait > 0:
            self.clock.sleep(wait)
        return wait


# The same arithmetic as `reserve`, run atomically inside Redis so that every worker process
# (and the API, if it ever calls upstream) draws from one bucket.
_RESERVE_LUA = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local data = redis.call('HMGET', KEYS[1], 'tokens', 'updated_at')
local tokens = tonumber(data[1]) or capacity
local updated_at = tonumber(data[2]) or now
local elapsed = math.max(0, now - updated_at)
tokens = math.min(capacity, tokens + elapsed * rate) - 1
local wait = 0
if tokens < 0 then wait = -tokens / rate end
updated_at = math.max(now, updated_at)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated_at', tostring(updated_at))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate + wait) + 60)
return tostring(wait)
"""


class RedisTokenBucket:
    """A token bucket stored in Redis, shared by every process that uses the same key.

    If Redis cannot be reached the bucket falls back to an in-process one: pacing per process
    is a degraded but safe behaviour, whereas failing the sync because the cache is down is not.
    """

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        requests_per_minute: int,
        *,
        burst: int = 1,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.key = key
        self.clock: Clock = clock or SystemClock()
        self.fallback = InProcessTokenBucket(requests_per_minute, burst=burst, clock=self.clock)
        self._script = client.register_script(_RESERVE_LUA)

    def acquire(self) -> float:
        """Reserve a token in Redis and sleep until it is ours."""
        try:
            raw = self._script(
                keys=[self.key],
                args=[self.fallback.rate_per_second, self.fallback.capacity, self.clock.now()],
            )
        except redis.RedisError as exc:
            log.warning("rate_limit.redis_unavailable", key=self.key, error=str(exc))
            return self.fallback.acquire()
        wait = float(raw.decode() if isinstance(raw, bytes) else raw)
        if wait > 0:
            self.clock.sleep(wait)
        return wait


def make_rate_limiter(
    name: str,
    requests_per_minute: int,
    *,
    redis_url: str | None,
    namespace: str = "smp",
    burst: int = 1,
    clock: Clock | None = None,
) -> RateLimiter:
    """A Redis-shared bucket when `redis_url` is set, an in-process one otherwise."""
    if not redis_url:
        return InProcessTokenBucket(requests_per_minute, burst=burst, clock=clock)
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    return RedisTokenBucket(
        client, f"{namespace}:ratelimit:{name}", requests_per_minute, burst=burst, clock=clock
    )
