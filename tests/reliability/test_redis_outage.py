"""Redis is killed under load: no 5xx, the cache and the rate limits carry on in-process.

A private redis-server backs the cache, the API-key checks and the rate limits; it is killed
with SIGKILL while four clients call a cached public endpoint and a keyed one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from statmusepicks.api.app import create_app
from statmusepicks.core.settings import Settings
from statmusepicks.services.container import Container, build_container
from statmusepicks.services.keys import create_key
from tests.reliability.load import Load, reading_calls, summary
from tests.reliability.servers import PrivateRedis
from tests.servers import serve_in_thread

pytestmark = pytest.mark.reliability

# Ten a second: a probe of three quick requests must see its bucket go down by one each time.
RATE_LIMIT = 600


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    yield server
    if server.process.poll() is None:
        server.kill()


@pytest.fixture
def redis_container(
    private_redis: PrivateRedis, loaded_settings: Settings, tmp_path: Path
) -> Iterator[Container]:
    settings = loaded_settings.model_copy(
        update={
            "redis_url": private_redis.url,
            "rate_limit_per_minute": RATE_LIMIT,
            "mlflow_tracking_uri": "http://127.0.0.1:9",
        }
    )
    container = build_container(settings)
    yield container
    container.close()


def test_killing_redis_under_load_causes_no_5xx_and_limits_carry_on_in_process(
    redis_container: Container, private_redis: PrivateRedis
) -> None:
    key = create_key(redis_container, "reliability").key
    probe_key = create_key(redis_container, "probe").key
    app = create_app(redis_container.settings, container=redis_container)
    calls = reading_calls(key)
    with serve_in_thread(app) as base_url, Load(base_url, calls, max_seconds=15) as load:
        time.sleep(3.0)
        killed = time.monotonic()
        private_redis.kill()
        time.sleep(6.0)
        probe = reading_calls(probe_key)["backtests"]
        with httpx.Client(base_url=base_url, timeout=10) as client:
            remaining = [int(probe(client).headers["x-ratelimit-remaining"]) for _ in range(3)]

    before = load.between(0, killed)
    after = load.between(killed, time.monotonic())
    print(
        f"\nredis killed: {load.count()} requests; before {dict(summary(before))}, "
        f"after {dict(summary(after))}; limit remaining after the kill {remaining}"
    )
    statuses = summary(load.outcomes)
    assert not [s for s in statuses if s.startswith("5") or s.startswith("error:")], statuses
    assert set(statuses) <= {"200", "429"}
    assert after
    assert redis_container.cache.ping() is False
    # The in-process bucket still counts this key down: limits apply, now per process.
    assert remaining[0] > remaining[1] > remaining[2]
