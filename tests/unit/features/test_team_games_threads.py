"""Team games are shared by every serving thread: hit a fresh instance from many at once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from statmusepicks.core.seasons import season_of_days
from statmusepicks.features.arenas import team_codes
from statmusepicks.features.inputs import TeamGames, prepare_team_logs
from statmusepicks.features.opponent import defence_ranks
from tests import factories

THREADS = 8
ROUNDS = 40


def _together(work: Callable[[TeamGames], object], teams: TeamGames) -> list[BaseException]:
    """Run `work` on THREADS threads released at the same instant; collect what they raised."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            work(teams)
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_season_ratings_and_ranks_are_safe_right_after_construction() -> None:
    logs = factories.team_logs()
    days = np.sort(logs["game_date"].map(lambda d: d.toordinal() - 719163).unique())
    codes = team_codes(logs["team"].to_numpy())
    expected_ratings = prepare_team_logs(logs).season_ratings(
        codes, season_of_days(days[:1]).repeat(len(codes))
    )
    seasons = season_of_days(days[:1]).repeat(len(codes))
    for _ in range(ROUNDS):
        teams = prepare_team_logs(logs)

        def work(shared: TeamGames) -> None:
            team, league = shared.season_ratings(codes, seasons)
            np.testing.assert_array_equal(team, expected_ratings[0])
            np.testing.assert_array_equal(league, expected_ratings[1])
            defence_ranks(shared, days[::7])

        assert _together(work, teams) == []
