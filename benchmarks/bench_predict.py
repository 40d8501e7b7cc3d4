"""Prediction latency over HTTP, and a bounded load run on loopback with two uvicorn workers.

Run: `.venv/bin/python benchmarks/bench_predict.py` (or `pytest -m bench -s
benchmarks/bench_predict.py`). Uses the tests' real slice (DEN, LAL, BOS, GSW players,
2023-24 .. 2025-26) in a temporary SQLite file, with real ElasticNet models fitted on it and
written to the on-disk registry, so that the uvicorn workers load them as they would load
`statmusepicks train` output. Every figure is printed against our budgets (200 ms single,
5 s batch of 20) and tighter targets (warm p95 20 ms, cold p95 50 ms, batch of 20 200 ms,
batch of 50 500 ms), and against the uncached path measured in the same run. When the configured
SQLite database has registered champions (`make train` or `train --quick`), single predicts are
also measured with those real models on a copy of that database (the full bundled history).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import factories  # noqa: E402
from tests.integration.api.conftest import fit_slice_models, register_on_disk  # noqa: E402

from statmusepicks.api.app import create_app  # noqa: E402
from statmusepicks.core.settings import Settings, get_settings  # noqa: E402
from statmusepicks.data.cache import MemoryCache  # noqa: E402
from statmusepicks.data.db.migrate import upgrade  # noqa: E402
from statmusepicks.data.db.session import make_engine, make_session_factory  # noqa: E402
from statmusepicks.data.ingest.bundled import load_bundled  # noqa: E402
from statmusepicks.data.rate_limit import MemoryRateLimiter  # noqa: E402
from statmusepicks.features.frame import build_feature_frame  # noqa: E402
from statmusepicks.models.predictor import Predictor  # noqa: E402
from statmusepicks.services.container import Container  # noqa: E402
from statmusepicks.services.keys import create_key  # noqa: E402
from statmusepicks.services.predictions import invalidate_predictions, prediction_service  # noqa: E402
from statmusepicks.services.training import has_champions  # noqa: E402

BUDGET_MS, BUDGET_BATCH20 = 200.0, 5000.0
TARGETS = {"warm": 20.0, "cold": 50.0, "batch20": 200.0, "batch50": 500.0}
STATS = ("points", "rebounds", "assists", "threes", "pra")
LOAD_REQUESTS = 3000
LOAD_CONCURRENCY = 16


def _p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1]


def _players(container: Container, count: int) -> list[str]:
    with container.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT player_id FROM player_game_stats WHERE season = '2025-26' "
            "GROUP BY player_id ORDER BY SUM(min) DESC LIMIT ?",
            (count,),
        ).all()
    return [str(row[0]) for row in rows]


def _setup(scratch: Path) -> tuple[Container, str]:
    url = f"sqlite:///{scratch / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_bundled(engine, factories.write_bundle(scratch / "bundle"))
    settings = Settings(
        environment="test",
        var_dir=scratch / "var",
        database_url=url,
        redis_url=None,
        _env_file=None,  # type: ignore[call-arg]
    )
    container = Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        cache=MemoryCache(f"bench-{uuid.uuid4().hex[:8]}"),
    )
    models = fit_slice_models(build_feature_frame(factories.player_logs(), factories.team_logs()))
    register_on_disk(container, models)
    prediction_service(container).champions.predictor = Predictor.from_models(models)
    return container, create_key(container, "bench").key


def _requests(players: list[str]) -> list[dict[str, Any]]:
    return [
        {"player": player, "stat": stat, "line": line}
        for player in players
        for stat, line in zip(STATS, (20.5, 6.5, 4.5, 1.5, 30.5), strict=True)
    ]


async def _timed(client: httpx.AsyncClient, path: str, payload: Any) -> float:
    started = time.perf_counter()
    response = await client.post(path, json=payload)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text
    return elapsed


async def _in_process(container: Container, key: str) -> dict[str, Any]:
    app = create_app(container.settings, container=container)
    service = prediction_service(container)
    players = _players(container, 40)
    requests = _requests(players)
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": key}
    figures: dict[str, Any] = {}
    container.rate_limiter = MemoryRateLimiter(1_000_000, burst=1_000_000)
    async with httpx.AsyncClient(transport=transport, base_url="http://b", headers=headers) as c:
        await _timed(c, "/api/predict", requests[0])  # imports and first-use set-up
        service.forget()
        invalidate_predictions(container)
        figures["cold"] = [await _timed(c, "/api/predict", r) for r in requests[::5]]
        figures["first_stat"] = list(figures["cold"])
        # Answers and distributions dropped, feature rows kept: the model's share of a cold call.
        container.cache.delete_prefix("predict:")
        service._distributions.clear()
        figures["features_cached"] = [await _timed(c, "/api/predict", r) for r in requests]
        figures["warm"] = [await _timed(c, "/api/predict", r) for r in requests]
        invalidate_predictions(container)
        service.forget()
        figures["batch20_cold"] = await _timed(c, "/api/batch_predict", requests[:100:5])
        figures["batch20"] = await _timed(c, "/api/batch_predict", requests[:20])
        figures["batch50"] = await _timed(c, "/api/batch_predict", requests[:50])
        figures["batch50_warm"] = await _timed(c, "/api/batch_predict", requests[:50])
    return figures


def registered_container(scratch: Path) -> Container | None:
    """The configured SQLite database, copied, serving the registered champions (or None).

    A copy, so that the bench's key and logged predictions never enter the real log; the
    models are read from the configured VAR_DIR as `statmusepicks serve` reads them.
    """
    settings = get_settings()
    source = Path(settings.database_url.removeprefix("sqlite:///"))
    if not settings.database_url.startswith("sqlite:///") or not source.exists():
        return None
    if not has_champions(settings):
        return None
    copy = scratch / "registered.db"
    with sqlite3.connect(source) as live, sqlite3.connect(copy) as target:
        live.backup(target)
    url = f"sqlite:///{copy}"
    engine = make_engine(url)
    return Container(
        settings=settings.model_copy(update={"database_url": url}),
        engine=engine,
        sessions=make_session_factory(engine),
        cache=MemoryCache(f"bench-{uuid.uuid4().hex[:8]}"),
    )


async def _registered(container: Container) -> dict[str, Any]:
    """Cold, features-cached and warm single predicts of 40 players with the real champions."""
    app = create_app(container.settings, container=container)
    service = prediction_service(container)
    container.rate_limiter = MemoryRateLimiter(1_000_000, burst=1_000_000)
    headers = {"X-API-Key": create_key(container, "bench").key}
    players = _players(container, 40)
    points = [{"player": p, "stat": "points", "line": 20.5} for p in players]
    pra = [{"player": p, "stat": "pra", "line": 30.5} for p in players]
    transport = httpx.ASGITransport(app=app)
    figures: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://b", headers=headers) as c:
        first = await c.post("/api/predict", json=points[0])  # loads the champions
        figures["model_version"] = first.json()["model_version"]
        service.forget()
        invalidate_predictions(container)
        figures["cold"] = [await _timed(c, "/api/predict", r) for r in points]
        container.cache.delete_prefix("predict:")
        service._distributions.clear()
        figures["features_cached"] = [await _timed(c, "/api/predict", r) for r in points]
        figures["pra_features_cached"] = [await _timed(c, "/api/predict", r) for r in pra]
        figures["warm"] = [await _timed(c, "/api/predict", r) for r in points]
    return figures


def _print_registered(scratch: Path) -> dict[str, Any] | None:
    container = registered_container(scratch)
    if container is None:
        print("\nregistered champions: none in the configured SQLite database (skipped; `make")
        print("  train` or `statmusepicks train --quick` registers them)")
        return None
    try:
        figures = asyncio.run(_registered(container))
    finally:
        prediction_service(container).close()
        container.close()
    print(
        f"\npredict over HTTP with the registered champions ({figures['model_version']}, ...)"
        " on a copy of the configured database, 40 players"
    )
    cold, warm = figures["cold"], figures["warm"]
    _line("cold single p50 (features computed)", statistics.median(cold), BUDGET_MS, None)
    _line("cold single p95 (features computed)", _p(cold, 95), BUDGET_MS, TARGETS["cold"])
    _line("features cached, points: p95", _p(figures["features_cached"], 95), BUDGET_MS, None)
    pra = figures["pra_features_cached"]
    _line("features cached, PRA (3 models): p95", _p(pra, 95), None, None)
    _line("warm single p95", _p(warm, 95), BUDGET_MS, TARGETS["warm"])
    return figures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _load(base: str, key: str, requests: list[dict[str, Any]]) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for index in range(LOAD_REQUESTS):
        queue.put_nowait(requests[index % len(requests)])

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            payload = queue.get_nowait()
            started = time.perf_counter()
            response = await client.post("/api/predict", json=payload)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200

    limits = httpx.Limits(max_connections=LOAD_CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": key}, limits=limits, timeout=30
    ) as client:
        for payload in requests:  # warm both workers' caches
            await client.post("/api/predict", json=payload)
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(LOAD_CONCURRENCY)))
        seconds = time.perf_counter() - started
    return {"throughput": len(latencies) / seconds, "latencies": latencies, "errors": errors}


def _uvicorn_run(container: Container, key: str) -> dict[str, Any]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": container.settings.database_url,
        "VAR_DIR": str(container.settings.var_dir),
        "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CACHE_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}",
        # The load run measures throughput; the per-key limit would answer 429 after 100.
        "RATE_LIMIT_PER_MINUTE": "1000000",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "statmusepicks.api.app:create_app",
        "--factory",
        "--workers",
        "2",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise RuntimeError("uvicorn did not start")
        return asyncio.run(_load(base, key, _requests(_players(container, 20))))
    finally:
        server.terminate()
        server.wait(timeout=30)


def _line(label: str, value: float, budget: float | None, target: float | None) -> None:
    parts = [f"  {label}: {value:.1f} ms"]
    if budget:
        parts.append(f"= {value / budget:.3f} x the budget's {budget:g} ms")
    if target:
        parts.append(f"({value / target:.2f} x the {target:g} ms target)")
    print(" ".join(parts))


def run(load: bool = True) -> dict[str, Any]:
    """Measure and print every figure; returns them for the pytest wrapper."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        container, key = _setup(Path(scratch))
        figures = asyncio.run(_in_process(container, key))
        print("\npredict over HTTP (ASGI, in-process cache, SQLite, the tests' real slice)")
        cold, warm, cached = figures["cold"], figures["warm"], figures["features_cached"]
        _line("cold single p50 (features computed)", statistics.median(cold), BUDGET_MS, None)
        _line("cold single p95 (features computed)", _p(cold, 95), BUDGET_MS, TARGETS["cold"])
        _line("features cached, answer not: p95", _p(cached, 95), BUDGET_MS, TARGETS["cold"])
        _line("warm single p50", statistics.median(warm), BUDGET_MS, None)
        _line("warm single p95", _p(warm, 95), BUDGET_MS, TARGETS["warm"])
        print(f"  warm p95 vs cold p95 measured in this run: {_p(warm, 95) / _p(cold, 95):.3f} x")
        _line("batch of 20, cold", figures["batch20_cold"], BUDGET_BATCH20, TARGETS["batch20"])
        _line("batch of 20", figures["batch20"], BUDGET_BATCH20, TARGETS["batch20"])
        _line("batch of 50", figures["batch50"], None, TARGETS["batch50"])
        _line("batch of 50, warm", figures["batch50_warm"], None, TARGETS["batch50"])
        if load:
            result = _uvicorn_run(container, key)
            latencies = result["latencies"]
            print(
                f"\nload: {LOAD_REQUESTS} predicts, {LOAD_CONCURRENCY} concurrent, 2 uvicorn "
                f"workers on loopback, Redis cache and limiter"
            )
            print(f"  throughput {result['throughput']:.0f} requests/s")
            _line("p50", statistics.median(latencies), BUDGET_MS, None)
            _line("p99", _p(latencies, 99), BUDGET_MS, None)
            print(f"  errors: {result['errors']}")
            figures["load"] = result
        prediction_service(container).close()
        container.close()
        figures["registered"] = _print_registered(Path(scratch))
    return figures


@pytest.mark.bench
def test_predict_latency() -> None:
    figures = run()
    assert figures["load"]["errors"] == 0


if __name__ == "__main__":
    run(load="--no-load" not in sys.argv)
