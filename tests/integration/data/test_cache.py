"""The cache interface behaves the same on Redis and in process, and survives Redis going away."""

from __future__ import annotations

import time

from statmusepicks.data.cache import Cache, RedisCache


def test_a_value_set_is_read_back(cache: Cache) -> None:
    cache.set("context:1:points", {"seasonAvg": 27.5}, ttl=60)
    assert cache.get("context:1:points") == {"seasonAvg": 27.5}


def test_a_value_expires_after_its_ttl(cache: Cache) -> None:
    cache.set("prediction:x", [1, 2], ttl=0.2)
    time.sleep(0.35)
    assert cache.get("prediction:x") is None


def test_invalidation_by_prefix_removes_only_that_prefix(cache: Cache) -> None:
    cache.set("context:203999:points", 1, ttl=60)
    cache.set("context:203999:rebounds", 2, ttl=60)
    cache.set("context:1629029:points", 3, ttl=60)
    removed = cache.delete_prefix("context:203999:")
    assert removed == 2
    assert cache.get("context:203999:points") is None
    assert cache.get("context:1629029:points") == 3


def test_an_unreachable_redis_degrades_to_memory_instead_of_failing() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0", "down")
    cache.set("k", {"v": 1}, ttl=60)
    assert cache.get("k") == {"v": 1}
    assert cache.ping() is False
    assert cache.delete_prefix("k") == 1
