"""`statmusepicks ingest nba` is killed with SIGKILL mid-run, then run again.

The stand-in answers the player game log at once and holds the team game log, so the kill lands
while the run is open with half its answers read. The rerun must leave exactly the rows of a
clean run (nothing lost, nothing twice) and close the killed run as failed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.models import (
    IngestionRun,
    QuarantinedRow,
)
from statmusepicks.data.db.session import make_engine
from tests.fakes.nba_outage import SlowTeamLogs
from tests.table_counts import BOX_SCORE_TABLES, row_counts
from tests.upstream_fakes import running

pytestmark = pytest.mark.reliability

AS_OF = "2025-11-17T11:00:00+00:00"
SINCE = "2025-11-14"
TABLES = (*BOX_SCORE_TABLES, QuarantinedRow)
CLI = [str(Path(sys.executable).with_name("statmusepicks")), "ingest", "nba", "--since", SINCE]


def _database(path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine


def _ingest(url: str, base_url: str, var_dir: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "ENVIRONMENT": "test",
        "DATABASE_URL": url,
        "VAR_DIR": str(var_dir),
        "NBA_API_BASE_URL": base_url,
        "NBA_API_REQUESTS_PER_MINUTE": "60000",
        "NBA_API_TIMEOUT_SECONDS": "60",
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [*CLI, "--as-of", AS_OF],
        env=env,
        cwd=var_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _run_statuses(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(select(IngestionRun.status).order_by(IngestionRun.id)).scalars()
        )


def _kill_when(
    victim: subprocess.Popen[bytes], engine: Engine, server: SlowTeamLogs, point: str
) -> None:
    """SIGKILL the ingest at `point`: while it waits on the team log, or once its first rows
    are committed (the player rows commit first, then teams, games and players follow)."""
    if point == "waiting":
        assert server.team_asked.wait(timeout=45), "the run never asked for the team game log"
    else:
        while row_counts(engine, TABLES)["player_game_stats"] == 0:
            assert victim.poll() is None, "the run ended before its first commit was seen"
            time.sleep(0.002)
    assert _run_statuses(engine) == ["running"]
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(timeout=10) == -signal.SIGKILL


@pytest.mark.parametrize("point", ["waiting", "writing"])
def test_a_killed_ingest_rerun_stores_exactly_what_a_clean_run_stores(
    tmp_path: Path, point: str
) -> None:
    started = time.monotonic()
    clean_url, clean_engine = _database(tmp_path / "clean.db")
    killed_url, killed_engine = _database(tmp_path / "killed.db")
    for name in ("clean", "killed"):
        (tmp_path / name).mkdir()

    with running(SlowTeamLogs(delay=0)) as server:
        clean = _ingest(clean_url, server.base_url, tmp_path / "clean")
        assert clean.wait(timeout=60) == 0, clean.stderr.read() if clean.stderr else ""
    expected = row_counts(clean_engine, TABLES)
    assert expected["player_game_stats"] > 0

    with running(SlowTeamLogs(delay=30 if point == "waiting" else 0)) as server:
        victim = _ingest(killed_url, server.base_url, tmp_path / "killed")
        _kill_when(victim, killed_engine, server, point)
        after_kill = row_counts(killed_engine, TABLES)
        server.delay = 0
        rerun = _ingest(killed_url, server.base_url, tmp_path / "killed")
        assert rerun.wait(timeout=60) == 0, rerun.stderr.read() if rerun.stderr else ""

    recovered = row_counts(killed_engine, TABLES)
    print(
        f"\ningest killed while {point}: rows after the kill {after_kill}, after the rerun"
        f" {recovered}, clean run {expected}; runs {_run_statuses(killed_engine)};"
        f" {time.monotonic() - started:.1f} s"
    )
    assert recovered == expected
    assert _run_statuses(killed_engine) == ["failed", "succeeded"]
    assert time.monotonic() - started < 60
