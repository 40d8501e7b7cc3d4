"""The serving paths a user waits on, on the full bundled data with the registered champions.

Run: `make bench` (or `pytest -m bench -s benchmarks/bench_serving.py`), with DATABASE_URL and
VAR_DIR pointing at a loaded SQLite database and its models (`make train-quick`); skipped when
there are none. The database is copied and rewound to the morning of a game day: the box scores
of that day and the day before are set aside, the app starts (its warm-up builds the next games'
feature rows) and answers eight concurrent first requests; then the morning sync stores the day
before's box scores and the board, a batch of 50 and single predicts of the game day are timed.
Each figure is printed as a ratio against its aim, next to the path a request took before the
rows were built ahead (rows built on demand), measured in the same run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_predict import registered_container  # noqa: E402
from statmusepicks.api.app import create_app  # noqa: E402
from statmusepicks.data.cache import MemoryCache  # noqa: E402
from statmusepicks.data.db.migrate import upgrade  # noqa: E402
from statmusepicks.data.db.session import make_engine, make_session_factory  # noqa: E402
from statmusepicks.data.rate_limit import MemoryRateLimiter  # noqa: E402
from statmusepicks.services.container import Container  # noqa: E402
from statmusepicks.services.keys import create_key  # noqa: E402
from statmusepicks.services.predictions import invalidate_predictions, prediction_service  # noqa: E402

AIMS = {"board_per_1000": 1.0, "batch50": 0.250, "restart": 0.5, "cold_p95": 0.025, "rss": 1024.0}
BOX_SCORES = ("player_game_stats", "team_game_stats")
STATS = ("points", "rebounds", "assists", "threes", "pra")
BATCH_RUNS = 7
SINGLES = 40


def _game_day(connection: sqlite3.Connection) -> dt.date:
    """The day of the last week of lines with the most of them (a full slate)."""
    rows = connection.execute(
        "SELECT game_date, COUNT(*) FROM prop_lines GROUP BY game_date "
        "ORDER BY game_date DESC LIMIT 7"
    ).fetchall()
    return dt.date.fromisoformat(str(max(rows, key=lambda row: row[1])[0])[:10])


def _rewind(path: Path, day: dt.date) -> None:
    """Set aside the box scores of `day` and later, and of the day before (the sync's)."""
    with sqlite3.connect(path) as connection:
        for table in BOX_SCORES:
            connection.execute(f"DROP TABLE IF EXISTS synced_{table}")
            connection.execute(
                f"CREATE TABLE synced_{table} AS SELECT * FROM {table} WHERE game_date = ?",
                ((day - dt.timedelta(days=1)).isoformat(),),
            )
            connection.execute(
                f"DELETE FROM {table} WHERE game_date >= ?",
                ((day - dt.timedelta(days=1)).isoformat(),),
            )


def _morning_sync(container: Container) -> None:
    """Store the day before's box scores as the sync does, then its cache hook."""
    with container.engine.begin() as connection:
        for table in BOX_SCORES:
            connection.exec_driver_sql(f"INSERT INTO {table} SELECT * FROM synced_{table}")
    invalidate_predictions(container)


def _container(scratch: Path) -> tuple[Container, dt.date] | None:
    """A copy of the configured database serving its champions, rewound to a game day."""
    container = registered_container(scratch)
    if container is None:
        return None
    copy = Path(container.settings.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(copy) as connection:
        day = _game_day(connection)
    _rewind(copy, day)
    upgrade(container.engine)
    container.rate_limiter = MemoryRateLimiter(1_000_000, burst=1_000_000)
    return container, day


def _props(container: Container, day: dt.date, count: int) -> list[dict[str, Any]]:
    """Main lines of the day's props, one per player and stat, up to `count`."""
    with container.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT player_id, market, MIN(line) FROM prop_lines WHERE game_date = ? "
            "AND is_main_line AND player_id IS NOT NULL AND market IN "
            f"({','.join('?' * len(STATS))}) GROUP BY player_id, market "
            "ORDER BY player_id, market",
            (day.isoformat(), *STATS),
        ).all()
    return [
        {"player": int(pid), "stat": market, "line": float(line), "date": day.isoformat()}
        for pid, market, line in rows[:count]
    ]


async def _timed(request: Awaitable[httpx.Response]) -> float:
    started = time.perf_counter()
    response = await request
    assert response.status_code == 200, response.text
    return time.perf_counter() - started


async def _client(container: Container, *, warm: bool) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a freshly started app; `warm` runs its start-up (the eager warm-up)."""
    app = create_app(container.settings, container=container)
    key = create_key(container, f"bench-{uuid.uuid4().hex[:6]}").key
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": key}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://b", headers=headers, timeout=600
    ) as client:
        if warm:
            async with app.router.lifespan_context(app):
                yield client
        else:
            yield client


def _cold_answers(container: Container, *, rows: bool) -> None:
    """Drop cached answers and distributions; `rows` also drops the feature rows."""
    service = prediction_service(container)
    container.cache.delete_prefix("predict:")
    service._distributions.clear()
    if rows:
        service.inputs.forget()


async def _restart(container: Container, props: list[dict[str, Any]]) -> dict[str, float]:
    """A fresh process: its start-up (warm-up), then eight concurrent first requests; the
    seconds until the last one answers."""
    first = [p for p in props if p["stat"] == "points"][:8]
    started = time.perf_counter()
    async for client in _client(container, warm=True):
        warm_up = time.perf_counter() - started
        times = await asyncio.gather(*(_timed(client.post("/api/predict", json=p)) for p in first))
        return {"warm_up": warm_up, "first": max(times)}
    raise AssertionError("no client")


async def _measure(container: Container, day: dt.date) -> dict[str, Any]:
    figures: dict[str, Any] = {"day": day}
    props = _props(container, day, 400)
    service = prediction_service(container)
    async for client in _client(container, warm=True):
        started = time.perf_counter()
        _morning_sync(container)
        refresh = service.inputs.refresh_in_background()
        await asyncio.to_thread(refresh.join)
        figures["refresh"] = time.perf_counter() - started
        with _collections() as collected:
            figures["board"] = await _timed(client.get("/api/board", params={"date": str(day)}))
        figures["board_gc"] = collected
        board = (await client.get("/api/board", params={"date": str(day)})).json()
        figures["lines"] = board["count"] + board["unpriced"]
        batch = props[:50]
        singles = [p for p in props if p["stat"] == "points"][:SINGLES]
        # The paths with the rows built ahead first: the before-paths drop the rows, and
        # nothing builds them again until the data changes.
        figures["batch"] = await _runs(client, container, batch, rows=False)
        figures["single"] = await _singles(client, container, singles, rows=False)
        figures["batch_before"] = await _runs(client, container, batch, rows=True)
        figures["single_before"] = await _singles(client, container, singles, rows=True)
        invalidate_predictions(container)
        await asyncio.to_thread(service.inputs.refresh_in_background().join)
        _cold_answers(container, rows=True)
        container.board_frames.clear()
        container.cache.delete_prefix("board:")
        figures["board_before"] = await _timed(client.get("/api/board", params={"date": str(day)}))
    return figures


@contextmanager
def _collections() -> Iterator[dict[str, float]]:
    """Seconds and passes of garbage collection inside the block (the first board after a
    build of rows once paid a full collection over every object the build left behind)."""
    found = {"seconds": 0.0, "full": 0.0}
    started: list[float] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            found["seconds"] += time.perf_counter() - started.pop()
            found["full"] += info["generation"] == 2

    gc.callbacks.append(watch)
    try:
        yield found
    finally:
        gc.callbacks.remove(watch)


async def _runs(
    client: httpx.AsyncClient, container: Container, batch: list[dict[str, Any]], *, rows: bool
) -> list[float]:
    found = []
    for _ in range(BATCH_RUNS):
        _cold_answers(container, rows=rows)
        found.append(await _timed(client.post("/api/batch_predict", json=batch)))
    return found


async def _singles(
    client: httpx.AsyncClient, container: Container, props: list[dict[str, Any]], *, rows: bool
) -> list[float]:
    found = []
    for prop in props:
        _cold_answers(container, rows=rows)
        found.append(await _timed(client.post("/api/predict", json=prop)))
    return found


def _restarts(container: Container, day: dt.date) -> dict[str, dict[str, float]]:
    """A restart with the eager feature rows, and one whose warm-up builds none (before)."""
    from statmusepicks.services import warmup

    props = _props(container, day, 400)
    found = {"after": asyncio.run(_restart(_fresh(container), props))}
    steps = dict(warmup.STEPS)
    warmup.STEPS.pop(warmup.FEATURE_ROWS)
    try:
        found["before"] = asyncio.run(_restart(_fresh(container), props))
    finally:
        warmup.STEPS.clear()
        warmup.STEPS.update(steps)
    return found


def _fresh(container: Container) -> Container:
    """Another process on the same database: nothing loaded, nothing cached."""
    engine = make_engine(container.settings.database_url)
    fresh = Container(
        settings=container.settings,
        engine=engine,
        sessions=make_session_factory(engine),
        cache=MemoryCache(f"bench-{uuid.uuid4().hex[:8]}"),
    )
    fresh.rate_limiter = container.rate_limiter
    return fresh


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def _row(label: str, value: float, aim: float, unit: str, before: float | None = None) -> None:
    scale = 1000.0 if unit == "ms" else 1.0
    text = f"  {label}: {value * scale:.{3 if unit == 's' else 1}f} {unit}"
    text += f" = {value / aim:.2f}x aim {aim * scale:g} {unit}"
    if before is not None:
        text += f"; before-path {before * scale:.{3 if unit == 's' else 1}f} {unit}"
        text += f" ({before / value:.1f}x slower)"
    print(text)


def run() -> dict[str, Any] | None:
    """Measure and print every serving row; None when no registered champions are found."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        built = _container(Path(scratch))
        if built is None:
            print("\nserving bench: no registered champions in the configured SQLite database")
            print("  (skipped; `make train-quick` registers them)")
            return None
        container, day = built
        try:
            figures = asyncio.run(_measure(container, day))
            figures["restart"] = _restarts(container, day)
        finally:
            prediction_service(container).close()
            container.close()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"\nserving paths on the full bundled data, game day {day} (the morning after a sync)")
    lines = figures["lines"]
    aim = AIMS["board_per_1000"] * lines / 1000.0
    restart = figures["restart"]
    print(
        f"  warm-up at start-up, eager feature rows included: {restart['after']['warm_up']:.2f} s"
    )
    print(f"  feature rows rebuilt after the sync, in the background: {figures['refresh']:.2f} s")
    _row(f"board {lines} lines, first call after the sync", figures["board"], aim, "s",
         figures["board_before"])  # fmt: skip
    collected = figures["board_gc"]
    print(
        f"    of which garbage collection: {collected['seconds']:.3f} s "
        f"({collected['full']:.0f} full collections)"
    )
    batch, before = figures["batch"], figures["batch_before"]
    _row("batch of 50 upcoming props, answers not cached, p50", statistics.median(batch),
         AIMS["batch50"], "ms", statistics.median(before))  # fmt: skip
    _row("first requests after a restart (8 concurrent), slowest", restart["after"]["first"],
         AIMS["restart"], "s", restart["before"]["first"])  # fmt: skip
    _row("cold single predict p95", _p95(figures["single"]), AIMS["cold_p95"], "ms",
         _p95(figures["single_before"]))  # fmt: skip
    print(f"  serve process peak RSS: {rss:.0f} MB = {rss / AIMS['rss']:.2f}x aim 1 GB")
    figures["rss_mb"] = rss
    return figures


@pytest.mark.bench
def test_serving_paths() -> None:
    run()


if __name__ == "__main__":
    run()
