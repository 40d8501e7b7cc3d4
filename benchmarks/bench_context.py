"""Player context latency: cold and warm single contexts, and a cold batch of 50.

Run: `.venv/bin/python benchmarks/bench_context.py` (or `pytest -m bench -s
benchmarks/bench_context.py`). Uses the configured database when it holds box scores (after
`make data`), else loads the tests' small real slice into a temporary SQLite file. Figures are
printed against our budgets (500 ms single, 3 s batch of 50) and tighter targets
(warm p95 20 ms, cold p95 100 ms, cold batch of 50 under 1 s), all in-process.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from statmusepicks.core.settings import Settings, get_settings
from statmusepicks.data.cache import MemoryCache
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.models import PlayerGameStats
from statmusepicks.data.db.session import make_engine, make_session_factory
from statmusepicks.data.ingest.bundled import load_bundled
from statmusepicks.services.container import Container
from statmusepicks.services.context import ContextQuery, ContextService

BUDGET_MS, BUDGET_BATCH = 500.0, 3000.0
TARGET_WARM_MS, TARGET_COLD_MS, TARGET_BATCH_MS = 20.0, 100.0, 1000.0
STATS = ("Points", "Rebounds", "Assists", "3-PT Made", "Pts+Rebs+Asts")


def _container(settings: Settings, scratch: Path) -> tuple[Container, str]:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with engine.connect() as connection:
        loaded = connection.scalar(select(func.count()).select_from(PlayerGameStats))
    source = f"configured database ({loaded} box scores)"
    if not loaded:
        engine.dispose()
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests import factories

        settings = settings.model_copy(update={"database_url": f"sqlite:///{scratch}/bench.db"})
        engine = make_engine(settings.database_url)
        upgrade(engine)
        load_bundled(engine, factories.write_bundle(scratch / "bundle"))
        source = "the tests' real slice (DEN, LAL, BOS, GSW players, 2023-24 .. 2025-26)"
    return Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        cache=MemoryCache(f"bench-{uuid.uuid4().hex[:8]}"),
    ), source


def _players(container: Container, count: int) -> list[int]:
    with container.sessions() as session:
        latest = session.scalar(select(func.max(PlayerGameStats.game_date)))
        assert latest is not None
        rows = session.execute(
            select(PlayerGameStats.player_id)
            .where(PlayerGameStats.game_date >= latest - dt.timedelta(days=14))
            .group_by(PlayerGameStats.player_id)
            .order_by(func.sum(PlayerGameStats.min).desc())
            .limit(count)
        ).all()
    return [int(row[0]) for row in rows]


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _ms(work: Any) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def run(settings: Settings) -> dict[str, float]:
    """Measure and print every figure; returns them for the pytest wrapper."""
    with tempfile.TemporaryDirectory() as scratch:
        container, source = _container(settings, Path(scratch))
        service = ContextService(container.sessions, container.cache, container.settings)
        players = _players(container, 50)
        with container.sessions() as session:
            service.team_games(session)  # indexed once per process, like a server at start-up
        cold = [
            _ms(lambda p=player, s=stat: service.player_context(ContextQuery(str(p), s)))
            for player in players[:20]
            for stat in STATS[:2]
        ]
        warm = [
            _ms(lambda p=player, s=stat: service.player_context(ContextQuery(str(p), s)))
            for player in players[:20]
            for stat in STATS[:2]
        ]
        batch_items = [
            {"player": str(player), "stat": STATS[2 + index % 3], "limit": 10}
            for index, player in enumerate(players)
        ]
        batch = _ms(lambda: service.batch_context(batch_items))
        failed = sum("error" in item for item in service.batch_context(batch_items))
        container.close()
    figures = {
        "cold_p50": statistics.median(cold),
        "cold_p95": _p95(cold),
        "warm_p50": statistics.median(warm),
        "warm_p95": _p95(warm),
        "batch": batch,
    }
    print(f"\nplayer context on {source}, {container.engine.dialect.name}, in-process cache")
    print(f"  ({len(cold)} cold, {len(warm)} warm, batch of {len(batch_items)} distinct players)")
    _line("cold single p50", figures["cold_p50"], BUDGET_MS, TARGET_COLD_MS)
    _line("cold single p95", figures["cold_p95"], BUDGET_MS, TARGET_COLD_MS)
    _line("warm single p50", figures["warm_p50"], BUDGET_MS, TARGET_WARM_MS)
    _line("warm single p95", figures["warm_p95"], BUDGET_MS, TARGET_WARM_MS)
    _line(f"cold batch of {len(batch_items)}", batch, BUDGET_BATCH, TARGET_BATCH_MS)
    print(f"  batch items failed: {failed}")
    return figures


def _line(label: str, value: float, budget: float, target: float) -> None:
    print(
        f"  {label}: {value:.1f} ms = {value / budget:.3f} x the budget's {budget:g} ms"
        f" ({value / target:.2f} x the {target:g} ms target)"
    )


@pytest.mark.bench
def test_context_latency() -> None:
    figures = run(get_settings())
    assert figures["warm_p95"] > 0


if __name__ == "__main__":
    run(get_settings())
