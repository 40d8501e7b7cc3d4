"""The slip copula against past games: correlations estimated before 2024-10-01 reproduce how
often correlated overs hit together in 2024-25 (the tests' real four-team slice).

The full-data figures are printed by `benchmarks/bench_slips.py` (docs/slips.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from statmusepicks.models.leg_correlation_check import PairCheck, joint_check
from tests import factories

CUT, UNTIL = dt.date(2024, 10, 1), dt.date(2025, 7, 1)


@pytest.fixture(scope="module")
def checks() -> dict[tuple[str, str, str], PairCheck]:
    pairs = [
        ("same_player", "points", "rebounds"),
        ("same_player", "rebounds", "assists"),
        ("teammates", "points", "assists"),
        ("teammates", "points", "points"),
    ]
    found = joint_check(factories.player_logs(), CUT, pairs, until=UNTIL)  # type: ignore[arg-type]
    return {(c.relation, c.stat_a, c.stat_b): c for c in found}


def test_same_player_points_and_rebounds_hit_together_as_the_copula_says(
    checks: dict[tuple[str, str, str], PairCheck],
) -> None:
    check = checks[("same_player", "points", "rebounds")]
    assert check.pairs > 1000
    assert check.correlation > 0.15
    # The dependence itself: the copula's excess over independence matches the games'.
    assert check.copula_excess == pytest.approx(
        check.empirical_excess, abs=2 * check.excess_standard_error
    )
    assert check.empirical_excess > 3 * check.excess_standard_error
    # And the joint is closer to the games than the independent product is.
    assert abs(check.copula_joint - check.empirical_joint) < abs(
        check.independent_joint - check.empirical_joint
    )


@pytest.mark.parametrize(
    "pair",
    [
        ("same_player", "rebounds", "assists"),
        ("teammates", "points", "assists"),
        ("teammates", "points", "points"),
    ],
)
def test_other_relations_match_the_games_within_their_error(
    checks: dict[tuple[str, str, str], PairCheck], pair: tuple[str, str, str]
) -> None:
    check = checks[pair]
    assert check.copula_excess == pytest.approx(
        check.empirical_excess, abs=2 * check.excess_standard_error
    )
