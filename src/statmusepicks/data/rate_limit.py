"""Token-bucket rate limits, in one process or shared by every process through Redis.

One bucket per key holds up to `burst` tokens and refills at `per_minute` tokens a minute. Two
ways to spend a token:

- `hit(key)` takes one if the bucket has it and otherwise refuses, saying how long until it
  would: API clients over their limit get a 429 with Retry-After, not a queue.
- `acquire(key)` reserves one even when the bucket is empty (driving it negative) and sleeps
  until it is ours: calls to an upstream API queue fairly instead of polling, and
  stats.nba.com, which refuses or silently stalls clients that burst, never sees one.

Both variants run the same arithmetic (`take`, and its Lua twin run atomically inside Redis) on
the same injectable clock, so tests advance time instead of sleeping. When Redis stops answering,
the Redis variant logs once and carries on with an in-process bucket: per-process limits are a
degraded but safe behaviour, whereas failing a request or a sync because Redis is down is not.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
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


@dataclass(frozen=True)
class BucketState:
    """Tokens left (negative when callers have reserved ahead) as of `updated_at`."""

    tokens: float
    updated_at: float


@dataclass(frozen=True)
class Decision:
    """Whether a token was granted, the bucket's rate and what is left, and the wait for it.

    For `hit`, `retry_after` is how long until a refused caller would get a token; for
    `acquire`, how long the caller waits for the token it reserved.
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after: float


def take(
    state: BucketState, *, now: float, rate_per_second: float, capacity: float, reserve: bool
) -> tuple[BucketState, bool, float]:
    """Refill the bucket to `now` and spend a token: (new state, granted, seconds to wait).

    Without `reserve` an empty bucket refuses and keeps its tokens; with it the token is taken
    anyway and the wait is how long the bucket needs to refill to zero.
    """
    elapsed = max(0.0, now - state.updated_at)
    tokens = min(capacity, state.tokens + elapsed * rate_per_second)
    wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate_per_second
    granted = reserve or wait == 0.0
    if granted:
        tokens -= 1.0
    return BucketState(tokens=tokens, updated_at=max(now, state.updated_at)), granted, wait


# `take` run atomically inside Redis, so that every worker draws from one bucket per key.
# ARGV: rate per second, capacity, now, reserve (1/0). Returns {granted, tokens, wait}.
_TAKE_LUA = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local reserve = ARGV[4] == '1'
local data = redis.call('HMGET', KEYS[1], 'tokens', 'updated_at')
local tokens = tonumber(data[1]) or capacity
local updated_at = tonumber(data[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated_at) * rate)
local wait = 0
if tokens < 1 then wait = (1 - tokens) / rate end
local granted = reserve or wait == 0
if granted then tokens = tokens - 1 end
updated_at = math.max(now, updated_at)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated_at', tostring(updated_at))
redis.call('EXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1)
return {granted and 1 or 0, tostring(tokens), tostring(wait)}
"""


class RateLimiter(Protocol):
    """Token buckets of one rate, one bucket per key."""

    @property
    def backend(self) -> str:
        """'memory' or 'redis'."""
        ...

    def hit(self, key: str) -> Decision:
        """Take a token from `key`'s bucket if it has one; otherwise refuse."""
        ...

    def acquire(self, key: str | None = None) -> float:
        """Reserve a token (of the limiter's own bucket by default), sleep until it is ours and
        return the seconds waited."""
        ...


class _Buckets(ABC):
    """What both variants share: the rate, the clock, and `hit`/`acquire` over `spend`."""

    def __init__(
        self, per_minute: int, *, burst: int = 1, name: str = "", clock: Clock | None = None
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.limit = per_minute
        self.rate_per_second = per_minute / 60.0
        self.capacity = float(max(1, burst))
        self.name = name
        self.clock: Clock = clock or SystemClock()

    @abstractmethod
    def spend(self, key: str, *, reserve: bool) -> tuple[bool, float, float]:
        """Spend a token of `key`'s bucket (see `take`): (granted, tokens left, seconds to wait)."""

    def hit(self, key: str) -> Decision:
        """Take a token from `key`'s bucket if it has one; otherwise refuse."""
        granted, tokens, wait = self.spend(key, reserve=False)
        return Decision(granted, self.limit, int(tokens), wait)

    def acquire(self, key: str | None = None) -> float:
        """Reserve a token (of the bucket named after the limiter by default) and sleep until
        it is ours; returns the seconds waited."""
        _, _, wait = self.spend(self.name if key is None else key, reserve=True)
        if wait > 0:
            self.clock.sleep(wait)
        return wait


class MemoryRateLimiter(_Buckets):
    """Buckets in this process, shared by its threads."""

    backend = "memory"

    def __init__(
        self, per_minute: int, *, burst: int = 1, name: str = "", clock: Clock | None = None
    ) -> None:
        super().__init__(per_minute, burst=burst, name=name, clock=clock)
        self._buckets: dict[str, BucketState] = {}
        self._lock = threading.Lock()

    def spend(self, key: str, *, reserve: bool) -> tuple[bool, float, float]:
        now = self.clock.now()
        with self._lock:
            state = self._buckets.get(key) or BucketState(self.capacity, now)
            state, granted, wait = take(
                state,
                now=now,
                rate_per_second=self.rate_per_second,
                capacity=self.capacity,
                reserve=reserve,
            )
            self._buckets[key] = state
        return granted, state.tokens, wait


class RedisRateLimiter(_Buckets):
    """Buckets in Redis under `<prefix>:<key>`, shared by every process using the same prefix.

    The clock is the caller's (every process reads the same NTP-disciplined wall time, and
    tests inject theirs); while Redis is down the limiter counts in-process.
    """

    backend = "redis"

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        per_minute: int,
        *,
        burst: int = 1,
        name: str = "",
        clock: Clock | None = None,
    ) -> None:
        super().__init__(per_minute, burst=burst, name=name, clock=clock)
        self.client = client
        self.prefix = prefix
        self.fallback = MemoryRateLimiter(per_minute, burst=burst, name=name, clock=self.clock)
        self._script = client.register_script(_TAKE_LUA)
        self._warned = False

    def redis_key(self, key: str) -> str:
        """Where `key`'s bucket lives in Redis."""
        return f"{self.prefix}:{key}"

    def spend(self, key: str, *, reserve: bool) -> tuple[bool, float, float]:
        try:
            granted, tokens, wait = self._script(
                keys=[self.redis_key(key)],
                args=[self.rate_per_second, self.capacity, self.clock.now(), int(reserve)],
            )  # type: ignore[misc]
        except redis.RedisError as exc:
            if not self._warned:
                log.warning("rate_limit.redis_unavailable", prefix=self.prefix, error=str(exc))
                self._warned = True
            return self.fallback.spend(key, reserve=reserve)
        return bool(granted), float(tokens), float(wait)


def make_rate_limiter(
    name: str,
    per_minute: int,
    *,
    redis_url: str | None,
    namespace: str = "smp",
    burst: int = 1,
    clock: Clock | None = None,
    redis_timeout: float = 2.0,
) -> RateLimiter:
    """Buckets in Redis (`<namespace>:ratelimit:<key>`) when `redis_url` is set, else in-process.

    `name` is the key `acquire()` uses by default; `redis_timeout` bounds how long a call waits
    on an unresponsive Redis before counting in-process.
    """
    if not redis_url:
        return MemoryRateLimiter(per_minute, burst=burst, name=name, clock=clock)
    client = redis.Redis.from_url(
        redis_url, socket_timeout=redis_timeout, socket_connect_timeout=redis_timeout
    )
    return RedisRateLimiter(
        client, f"{namespace}:ratelimit", per_minute, burst=burst, name=name, clock=clock
    )
