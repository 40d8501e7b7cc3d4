"""Per-key rate limits: a token bucket, in Redis (shared by every worker) or in-process.

The bucket holds `limit` tokens and refills at `limit` per minute, so a client may burst to its
whole minute's allowance and then gets one request every 60/limit seconds. In Redis the bucket
is one hash updated by a Lua script (atomic across workers, clock from the Redis server). If
Redis stops answering, the limiter falls back to its in-process bucket: a cache outage must not
turn into an outage of the API.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis

from statmusepicks.core.logging import get_logger
from statmusepicks.services.container import Container

log = get_logger(__name__)

WINDOW_SECONDS = 60.0

# KEYS[1] bucket; ARGV: capacity, refill per second. Returns {allowed, tokens*1000, wait ms}.
TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = capacity; ts = now end
tokens = math.min(capacity, tokens + (now - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, math.floor(tokens * 1000), math.ceil(wait * 1000)}
"""


@dataclass(frozen=True)
class Decision:
    """Whether a request may proceed, what is left, and how long to wait if not."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: float


class RateLimiter(Protocol):
    """Something that spends one token of a client's bucket."""

    def hit(self, client: str) -> Decision: ...

    @property
    def backend(self) -> str: ...


class MemoryRateLimiter:
    """Token buckets in this process (one worker, or Redis down)."""

    backend = "memory"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.rate = limit / WINDOW_SECONDS
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> Decision:
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(client, (float(self.limit), now))
            tokens = min(float(self.limit), tokens + (now - stamp) * self.rate)
            allowed = tokens >= 1.0
            wait = 0.0 if allowed else (1.0 - tokens) / self.rate
            if allowed:
                tokens -= 1.0
            self._buckets[client] = (tokens, now)
        return Decision(allowed, self.limit, int(tokens), wait)


class RedisRateLimiter:
    """Token buckets in Redis, shared by every worker; in-process while Redis is down."""

    backend = "redis"

    def __init__(self, url: str, limit: int, namespace: str) -> None:
        self.limit = limit
        self.rate = limit / WINDOW_SECONDS
        self.namespace = namespace
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.script = self.client.register_script(TOKEN_BUCKET_LUA)
        self.fallback = MemoryRateLimiter(limit)
        self._warned = False

    def hit(self, client: str) -> Decision:
        try:
            allowed, milli_tokens, wait_ms = self.script(
                keys=[f"{self.namespace}:ratelimit:{client}"], args=[self.limit, self.rate]
            )  # type: ignore[misc]
        except redis.RedisError as exc:
            if not self._warned:
                log.warning("redis unavailable, rate limiting in-process", error=str(exc))
                self._warned = True
            return self.fallback.hit(client)
        return Decision(bool(allowed), self.limit, int(milli_tokens) // 1000, int(wait_ms) / 1000)


def make_rate_limiter(redis_url: str | None, limit: int, namespace: str) -> RateLimiter:
    """Redis-backed when a URL is configured, in-process otherwise."""
    if redis_url:
        return RedisRateLimiter(redis_url, limit, namespace)
    return MemoryRateLimiter(limit)


def rate_limiter(container: Container) -> RateLimiter:
    """The container's limiter, built on first use from its settings."""
    limiter = container.extras.get("rate_limiter")
    if limiter is None:
        settings = container.settings
        limiter = make_rate_limiter(
            settings.redis_url, settings.rate_limit_per_minute, settings.cache_namespace
        )
        container.extras["rate_limiter"] = limiter
    return limiter  # type: ignore[no-any-return]
