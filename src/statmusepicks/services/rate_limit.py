"""Per-client API rate limits: the shared token bucket of `data.rate_limit`, one per process.

A client's bucket holds the whole minute's allowance (`RATE_LIMIT_PER_MINUTE`) and refills at
that rate, so a client may burst and then gets one request every 60/limit seconds. Buckets are
keyed `key:<id>` (or `ip:<address>` when keys are off) and shared by every worker through Redis
when it is configured; the Redis timeout is short because the check sits on every request.
"""

from __future__ import annotations

from statmusepicks.data.rate_limit import RateLimiter, make_rate_limiter
from statmusepicks.services.container import Container

# A request waits at most this long on an unresponsive Redis before counting in-process.
REDIS_TIMEOUT_SECONDS = 0.5


def rate_limiter(container: Container) -> RateLimiter:
    """The container's limiter, built on first use from its settings."""
    limiter = container.rate_limiter
    if limiter is not None:
        return limiter
    with container.lock:
        if container.rate_limiter is None:
            settings = container.settings
            container.rate_limiter = make_rate_limiter(
                "api",
                settings.rate_limit_per_minute,
                redis_url=settings.redis_url,
                namespace=settings.cache_namespace,
                burst=settings.rate_limit_per_minute,
                redis_timeout=REDIS_TIMEOUT_SECONDS,
            )
        return container.rate_limiter
