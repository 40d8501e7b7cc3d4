"""/metrics: parsed by prometheus_client's own parser, requests counted per route template,
429s, cache lookups, stored model scores, the optional token, many threads and many workers."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from statmusepicks.api.app import create_app
from statmusepicks.core.metrics import observe_job
from statmusepicks.services.container import Container
from statmusepicks.services.monitoring import record_daily_metrics
from tests.integration.api.conftest import http_client
from tests.integration.test_monitoring import DAY, plant

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    """Every sample of an exposition keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def requests_of(found: Samples, route: str, status: str = "200", method: str = "GET") -> float:
    return value(
        found, "statmusepicks_http_requests_total", method=method, route=route, status=status
    )


@pytest.fixture
def container(loaded_container: Container) -> Container:
    loaded_container.settings = loaded_container.settings.model_copy(
        update={"require_api_keys": False, "rate_limit_per_minute": 2}
    )
    return loaded_container


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async for http in http_client(container):
        yield http


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_requests_are_counted_per_route_template(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    for _ in range(3):
        assert (await client.get("/health")).status_code == 200
    assert (await client.get("/api/nothing/here")).status_code == 404
    after = await scrape(client)

    assert requests_of(after, "/health") - requests_of(before, "/health") == 3
    assert requests_of(after, "unmatched", "404") - requests_of(before, "unmatched", "404") == 1
    assert requests_of(after, "/metrics") - requests_of(before, "/metrics") == 1
    histogram = "statmusepicks_http_request_duration_seconds_count"
    assert value(after, histogram, method="GET", route="/health") >= 3


async def test_rate_limit_rejections_are_counted_under_their_route(
    client: httpx.AsyncClient,
) -> None:
    before = await scrape(client)
    statuses = [(await client.get("/api/track_record")).status_code for _ in range(3)]
    after = await scrape(client)

    assert statuses == [200, 200, 429]
    rejected = "statmusepicks_rate_limit_rejections_total"
    assert value(after, rejected) - value(before, rejected) == 1
    route = "/api/track_record"
    assert requests_of(after, route, "429") - requests_of(before, route, "429") == 1


async def test_cache_hits_and_misses(client: httpx.AsyncClient, container: Container) -> None:
    name = "statmusepicks_cache_lookups_total"
    before = await scrape(client)
    container.cache.get("metrics-test")
    container.cache.set("metrics-test", 1, ttl=60)
    container.cache.get("metrics-test")
    after = await scrape(client)
    for result in ("hit", "miss"):
        delta = value(after, name, backend="memory", result=result) - value(
            before, name, backend="memory", result=result
        )
        assert delta == 1


async def test_stored_model_scores_and_freshness_are_exported(
    client: httpx.AsyncClient, container: Container
) -> None:
    p = np.linspace(0.3, 0.7, 30)
    plant(container, DAY, p, p > 0.5)
    record_daily_metrics(container, dt.datetime(2025, 11, 11, 8, tzinfo=dt.UTC))
    found = await scrape(client)

    assert value(found, "statmusepicks_monitoring_up") == 1
    assert value(found, "statmusepicks_model_settled", stat="points") == 30
    brier = float(np.mean((p - (p > 0.5)) ** 2))
    assert value(found, "statmusepicks_model_brier", stat="points") == pytest.approx(brier)
    assert value(found, "statmusepicks_data_age_hours", dataset="box_scores") > 0


async def test_a_token_guards_the_endpoint_when_set(container: Container) -> None:
    container.settings = container.settings.model_copy(update={"metrics_token": "s3cret"})
    async for http in http_client(container):
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await http.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert right.status_code == 200


def test_requests_from_many_threads_are_all_counted(container: Container) -> None:
    app = create_app(container.settings, container=container)
    threads, each = 8, 15

    def read() -> Samples:
        return samples(TestClient(app).get("/metrics").text)

    def hammer() -> None:
        client = TestClient(app)
        for _ in range(each):
            assert client.get("/health").status_code == 200
            observe_job("threads_test", 0.5, ok=True)

    before = read()
    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    after = read()

    assert requests_of(after, "/health") - requests_of(before, "/health") == threads * each
    runs = "statmusepicks_job_runs_total"
    delta = value(after, runs, job="threads_test", outcome="ok") - value(
        before, runs, job="threads_test", outcome="ok"
    )
    assert delta == threads * each


COUNT = """
from statmusepicks.core.metrics import HTTP_REQUESTS
HTTP_REQUESTS.labels(method="GET", route="/health", status="200").inc(3)
"""
SCRAPE = """
import sys
from statmusepicks.core.metrics import exposition
sys.stdout.write(exposition().decode())
"""


def test_worker_processes_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", COUNT], env=env, check=True)
    text = subprocess.run(
        [sys.executable, "-c", SCRAPE], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert requests_of(samples(text), "/health") == 6

    prepare = "from statmusepicks.core.metrics import prepare_multiprocess_dir as p; p()"
    subprocess.run([sys.executable, "-c", prepare], env=env, check=True)
    assert not list(tmp_path.glob("*.db"))
