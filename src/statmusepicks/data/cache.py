"""One cache interface: Redis when REDIS_URL is set, an in-process TTL cache otherwise.

Keys are namespaced (`<namespace>:<kind>:...`) so that a prefix can be invalidated at once (for
example every context of a player whose new games arrived). If Redis stops answering, the cache
logs once and carries on in-process: a slow or missing cache must never fail a request.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Protocol

import redis
from cachetools import TLRUCache

from statmusepicks.core.logging import get_logger
from statmusepicks.core.metrics import CACHE_LOOKUPS

log = get_logger(__name__)


class Cache(Protocol):
    """What callers may do with a cache."""

    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl: float) -> None: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def ping(self) -> bool: ...

    @property
    def backend(self) -> str: ...


def _counted(backend: str, value: Any | None) -> Any | None:
    """Count a lookup as a hit or a miss (the /metrics hit ratio) and pass the value on."""
    CACHE_LOOKUPS.labels(backend=backend, result="miss" if value is None else "hit").inc()
    return value


def _expiry(_key: str, value: tuple[float, Any], now: float) -> float:
    return now + value[0]


class MemoryCache:
    """A bounded in-process cache with a TTL per entry (thread-safe)."""

    backend = "memory"

    def __init__(self, namespace: str, maxsize: int = 50_000) -> None:
        self.namespace = namespace
        self._data: TLRUCache[str, tuple[float, Any]] = TLRUCache(
            maxsize=maxsize, ttu=_expiry, timer=time.monotonic
        )
        self._lock = threading.Lock()

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._data.get(self._key(key))
        return _counted(self.backend, None if entry is None else entry[1])

    def set(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            self._data[self._key(key)] = (ttl, value)

    def delete_prefix(self, prefix: str) -> int:
        full = self._key(prefix)
        with self._lock:
            doomed = [key for key in self._data if key.startswith(full)]
            for key in doomed:
                del self._data[key]
        return len(doomed)

    def ping(self) -> bool:
        return True


class RedisCache:
    """Redis-backed cache holding JSON values, degrading to memory while Redis is down."""

    backend = "redis"

    def __init__(self, url: str, namespace: str, fallback: MemoryCache | None = None) -> None:
        self.namespace = namespace
        self.client = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=30
        )
        self.fallback = fallback or MemoryCache(namespace)
        self._warned = False

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    def _down(self, exc: Exception) -> None:
        if not self._warned:
            log.warning("redis unavailable, using the in-process cache", error=str(exc))
            self._warned = True

    def get(self, key: str) -> Any | None:
        try:
            raw = self.client.get(self._key(key))
        except redis.RedisError as exc:
            self._down(exc)
            return self.fallback.get(key)
        value = None if raw is None else json.loads(raw)  # type: ignore[arg-type]
        return _counted(self.backend, value)

    def set(self, key: str, value: Any, ttl: float) -> None:
        try:
            self.client.set(self._key(key), json.dumps(value, default=str), px=int(ttl * 1000))
        except redis.RedisError as exc:
            self._down(exc)
            self.fallback.set(key, value, ttl)

    def delete_prefix(self, prefix: str) -> int:
        removed = self.fallback.delete_prefix(prefix)
        try:
            keys = list(self.client.scan_iter(match=f"{self._key(prefix)}*", count=1000))
            if keys:
                removed += int(self.client.delete(*keys))  # type: ignore[arg-type]
        except redis.RedisError as exc:
            self._down(exc)
        return removed

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError as exc:
            self._down(exc)
            return False


def make_cache(redis_url: str | None, namespace: str) -> Cache:
    """Redis when a URL is configured, else the in-process cache."""
    if redis_url:
        return RedisCache(redis_url, namespace)
    return MemoryCache(namespace)
