"""Replay a stretch of 2025-26 against local stand-ins of NBA.com and The Odds API.

The stand-ins replay the real formats from the bundled data: leaguegamelog for date ranges
(tests/fakes/nba_bundled.py), The Odds API live and historical (tests/fakes/odds_history.py)
and the season schedule, scheduleLeagueV2 (tests/fakes/schedule_bundled.py). Every argument
after the script's own goes to `statmusepicks replay`, run against the configured database
(VAR_DIR / DATABASE_URL), e.g.

    python scripts/replay_on_stand_ins.py --start 2025-10-21 --end 2025-11-14 \
        --output /tmp/season/replay --quick-retrain

Run from the repository root (the stand-ins live under tests/).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.league_files import LeagueFiles, league_files
from tests.fakes.nba_bundled import bundled_nba_server
from tests.fakes.odds_history import OddsHistory, odds_history_server
from tests.fakes.schedule_bundled import bundled_schedule
from tests.upstream_fakes import running

FIRST, LAST = dt.date(2025, 10, 21), dt.date(2025, 11, 14)


def main(arguments: list[str]) -> int:
    """Serve the stand-ins, run `statmusepicks replay ARGUMENTS` against them."""
    files = LeagueFiles(schedule=bundled_schedule(FIRST, LAST))
    # The stand-in's quota is raised: with the default, the odds job's budget thins the
    # snapshots to the soonest events from November on.
    history = OddsHistory.from_bundle(remaining=10**9)
    with (
        running(bundled_nba_server(FIRST, LAST)) as nba,
        odds_history_server(history) as odds,
        league_files(files) as league,
    ):
        env = {
            **os.environ,
            "NBA_API_BASE_URL": nba.base_url,
            "NBA_API_REQUESTS_PER_MINUTE": "6000",
            "NBA_SCHEDULE_URL": league.schedule_url,
            "ODDS_API_KEY": "test-key",
            "ODDS_API_BASE_URL": odds,
        }
        command = [str(Path(sys.executable).with_name("statmusepicks")), "replay", *arguments]
        return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
