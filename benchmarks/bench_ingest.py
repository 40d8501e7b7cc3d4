"""The data paths a user waits on: CLI start-up, the bundled load, the NBA sync, the odds sync.

Run: `pytest -m bench -s benchmarks/bench_ingest.py` (or `.venv/bin/python
benchmarks/bench_ingest.py`). Every row prints its figure as a ratio of its aim, measured in
this run, next to the process CPU it took (the reference machine has 2 cores shared by many
jobs, so wall time swings with their load while CPU time does not):

- CLI start-up: `statmusepicks --help` and `statmusepicks db current`, best of three.
- Bundled load: `load_bundled` of the whole bundle (256k box scores, 183k lines) into a new
  SQLite file and into a private PostgreSQL schema (TEST_POSTGRES_URL), both migrated first.
- NBA sync: the whole `statmusepicks ingest nba` command for 2025-11-15 (the fabricated fixture
  day, 283 box scores) on a copy of the loaded SQLite file, against the local stats.nba.com of
  tests/upstream_fakes.py over HTTP.
- Odds sync: `ingest_odds` as of 2025-11-12 22:30 UTC (the next 36 hours' events) against the
  local The Odds API of tests/fakes/odds_history.py (the bundled lines) over HTTP.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from statmusepicks.core.settings import PROJECT_ROOT, Settings, get_settings
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.session import make_engine
from statmusepicks.data.ingest.bundled import LoadReport, load_bundled

AIMS = {
    "cli --help": 1.0,
    "cli db current": 1.0,
    "data load sqlite": 15.0,
    "data load postgresql": 15.0,
    "ingest nba (one day, whole command)": 3.0,
    "odds sync (one day's events)": 3.0,
}
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CLI = [str(Path(sys.executable).parent / "statmusepicks")]
NBA_DAY = "2025-11-15"
NBA_AS_OF = "2025-11-16T15:00:00+00:00"
ODDS_AS_OF = "2025-11-12T22:30:00+00:00"
# What the whole bundle loads (data/bundled/README.md); a faster load must load the same.
BUNDLE_ROWS = {"player_game_stats": 256_777, "prop_lines": 183_211}


def report(name: str, seconds: float, cpu: float, note: str = "") -> float:
    """Print one row as `name: 11.2 s = 0.75x aim 15 s (cpu 9.8 s)`; returns the ratio."""
    aim = AIMS[name]
    ratio = seconds / aim
    extra = f", {note}" if note else ""
    print(f"  {name}: {seconds:.2f} s = {ratio:.2f}x aim {aim:g} s (cpu {cpu:.2f} s{extra})")
    return ratio


def _command(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one CLI run (it must succeed)."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run([*CLI, *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def _timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - start, time.process_time() - cpu


def _env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        "REDIS_URL": "",
        "MLFLOW_TRACKING_URI": f"sqlite:///{var_dir / 'mlflow.db'}",
        **extra,
    }


def cli_rows(work: Path) -> dict[str, float]:
    """Start-up of `--help` and of a light command that opens the database."""
    env = _env(f"sqlite:///{work / 'cli.db'}", work / "var")
    upgrade(make_engine(env["DATABASE_URL"]))
    ratios = {}
    for name, args in (("cli --help", ["--help"]), ("cli db current", ["db", "current"])):
        wall, cpu = min(_command(args, env) for _ in range(3))
        ratios[name] = report(name, wall, cpu)
    return ratios


def _load(name: str, engine: Engine, data_dir: Path) -> float:
    load: LoadReport
    load, wall, cpu = _timed(lambda: load_bundled(engine, data_dir))
    loaded = {table.table: table.inserted for table in load.tables}
    for table, rows in BUNDLE_ROWS.items():
        assert loaded[table] == rows, f"{name} loaded {loaded[table]} {table} rows, not {rows}"
    return report(name, wall, cpu, f"{sum(loaded.values()):,} rows")


def load_rows(work: Path, data_dir: Path) -> tuple[dict[str, float], Path]:
    """The bundled load on SQLite (the file is kept for the syncs) and on PostgreSQL."""
    database = work / "loaded.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    ratios = {"data load sqlite": _load("data load sqlite", engine, data_dir)}
    engine.dispose()
    from tests.environments import postgres_schema

    with postgres_schema(POSTGRES_URL) as postgres:
        ratios["data load postgresql"] = _load("data load postgresql", postgres, data_dir)
    return ratios, database


def nba_row(work: Path, loaded: Path) -> float:
    """`statmusepicks ingest nba` for one fixture day on a copy of the loaded database."""
    from tests.upstream_fakes import NBAStatsServer, running

    database = work / "nba.db"
    shutil.copy(loaded, database)
    with running(NBAStatsServer()) as server:
        env = _env(f"sqlite:///{database}", work / "var", NBA_API_BASE_URL=server.base_url)
        args = ["ingest", "nba", "--since", NBA_DAY, "--until", NBA_DAY, "--as-of", NBA_AS_OF]
        wall, cpu = _command(args, env)
    return report("ingest nba (one day, whole command)", wall, cpu, f"{NBA_DAY}, 283 box scores")


def odds_row(work: Path, loaded: Path) -> float:
    """One odds sync of the events of the next 36 hours, as the season worker runs it."""
    import datetime as dt

    from tests.fakes.odds_history import OddsHistory, odds_history_server

    from statmusepicks.services.container import build_container
    from statmusepicks.services.sync import ingest_odds

    database = work / "odds.db"
    shutil.copy(loaded, database)
    with make_engine(f"sqlite:///{database}").begin() as connection:
        # The bundle holds these lines already: without them the sync stores them anew.
        connection.execute(text("DELETE FROM prop_lines WHERE game_date >= '2025-11-12'"))
    as_of = dt.datetime.fromisoformat(ODDS_AS_OF)
    history = OddsHistory.from_bundle(
        first=dt.date(2025, 11, 12), last=dt.date(2025, 11, 14), now=as_of
    )
    with odds_history_server(history) as base_url:
        settings = Settings(
            database_url=f"sqlite:///{database}",
            var_dir=work / "var",
            redis_url=None,
            odds_api_key="test-key",
            odds_api_base_url=base_url,
            _env_file=None,  # type: ignore[call-arg]
        )
        container = build_container(settings)
        try:
            sync, wall, cpu = _timed(lambda: ingest_odds(container, as_of=as_of))
        finally:
            container.close()
    assert sync.lines_added > 0, sync
    note = f"{sync.events_priced} events, {sync.lines_added:,} line snapshots"
    return report("odds sync (one day's events)", wall, cpu, note)


def run(data_dir: Path) -> dict[str, float]:
    """Measure and print every row; returns each row's ratio of its aim."""
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        work = Path(tmp)
        ratios = cli_rows(work)
        loaded_ratios, loaded = load_rows(work, data_dir)
        ratios |= loaded_ratios
        ratios["ingest nba"] = nba_row(work, loaded)
        ratios["odds sync"] = odds_row(work, loaded)
    return ratios


@pytest.mark.bench
def test_data_paths() -> None:
    ratios = run(get_settings().bundled_data_dir)
    assert all(ratio > 0 for ratio in ratios.values())


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_ROOT))
    run(get_settings().bundled_data_dir)
