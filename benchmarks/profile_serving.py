"""cProfile summaries of the serving paths `bench_serving` times (docs/performance/profiles).

Run: `DATABASE_URL=sqlite:///<copy>/statmusepicks.db VAR_DIR=<copy> \
  python benchmarks/profile_serving.py` (the database and models `bench_serving` reads).
On the same rewound copy and after the same warm-up and morning sync, it profiles, in the
main thread so cProfile sees every call: the first board of the game day, a rebuild of the
next games' rows, and 40 cold single predicts.
"""

from __future__ import annotations

import asyncio
import cProfile
import datetime as dt
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import bench_serving as bench  # noqa: E402
from statmusepicks.services.board import BoardQuery, board  # noqa: E402
from statmusepicks.services.container import Container  # noqa: E402
from statmusepicks.services.prediction_request import PredictionRequest  # noqa: E402
from statmusepicks.services.predictions import prediction_service  # noqa: E402

PROFILES = ROOT / "docs" / "performance" / "profiles"
TOP = 45


def _profiled(name: str, title: str, work: Callable[[], str]) -> None:
    """Run `work` under cProfile and write its summary (what `work` reports first)."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    result = work()
    profile.disable()
    seconds = time.perf_counter() - started
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(TOP)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    header = f"{title}: {seconds:.2f} s; {result}; load average {load} (1, 5, 15 min)\n"
    # Paths relative to the repository: the summaries are committed and read on other machines.
    summary = text.getvalue().replace(f"{ROOT}/", "")
    (PROFILES / f"{name}.txt").write_text(header + summary)
    print(header, end="")


def _rebuild(container: Container) -> str:
    with container.sessions() as session:
        count = prediction_service(container).inputs.prepare_upcoming(session)
    return f"{count} players' rows"


def _singles(container: Container, props: list[dict[str, Any]]) -> str:
    service = prediction_service(container)
    times = []
    for prop in props[: bench.SINGLES]:
        bench._cold_answers(container, rows=False)
        started = time.perf_counter()
        service.predict(PredictionRequest(**prop), record=False)
        times.append(time.perf_counter() - started)
    return f"p95 {bench._p95(times) * 1000:.1f} ms of {len(times)} cold predicts"


async def _profile(container: Container, day: dt.date) -> None:
    service = prediction_service(container)
    async for _client in bench._client(container, warm=True):
        bench._morning_sync(container)
        await asyncio.to_thread(service.inputs.refresh_in_background().join)
        _profiled(
            "serving_board_after_sync",
            f"first board of {day} after the morning sync, rows built ahead",
            lambda: f"{board(container, BoardQuery(day))['count']} lines priced",
        )
        service.forget()
        container.team_games.expire()
        _profiled(
            "serving_rebuild_rows", "rebuild of the next games' rows", partial(_rebuild, container)
        )
        props = [p for p in bench._props(container, day, 400) if p["stat"] == "points"]
        _profiled(
            "serving_cold_predict",
            "cold single predicts, rows held",
            partial(_singles, container, props),
        )


def main() -> None:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        built = bench._container(Path(scratch))
        if built is None:
            print("no registered champions in the configured SQLite database")
            return
        container, day = built
        try:
            asyncio.run(_profile(container, day))
        finally:
            prediction_service(container).close()
            container.close()


if __name__ == "__main__":
    main()
