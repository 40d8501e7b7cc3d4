"""The slip simulation against closed forms: binomial and exact enumeration for independent
legs, the bivariate normal for two correlated legs, and the apps' break-even figures."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest
from scipy import stats

from statmusepicks.data.payouts import payout_version
from statmusepicks.models.leg_correlation import LegKey, nearest_correlation, relation
from statmusepicks.models.slip_simulation import (
    LegChance,
    break_even_probability,
    exact_independent,
    simulate,
    standard_normals,
)

DAY = dt.date(2025, 11, 14)
DRAWS = 200_000


def _grid(app: str, play: str, legs: int) -> np.ndarray:
    return payout_version(app, play, legs, DAY).settlement_grid(play, legs)  # type: ignore[arg-type]


def _legs(wins: list[float], teams: str = "ABABAB") -> list[LegChance]:
    return [LegChance(1.0 - p, 0.0, "over", team) for p, team in zip(wins, teams, strict=False)]


@pytest.mark.parametrize("legs", [3, 4, 5, 6])
def test_independent_flex_slips_follow_the_binomial(legs: int) -> None:
    p = 0.56
    grid = _grid("prizepicks", "flex", legs)
    chances = _legs([p] * legs)
    simulated = simulate(
        chances, np.eye(legs), grid, standard_normals(DRAWS, legs, 1), single_team_refund=True
    )
    exact = exact_independent(chances, grid, single_team_refund=True)
    binomial = stats.binom.pmf(np.arange(legs + 1), legs, p)
    closed_mean = float(binomial @ grid[legs])
    assert exact.expected_multiplier == pytest.approx(closed_mean, abs=1e-12)
    assert simulated.expected_multiplier == pytest.approx(
        closed_mean, abs=4 * simulated.standard_error
    )
    by_wins = {o.won: o.probability for o in simulated.outcomes}
    for wins, mass in enumerate(binomial):
        error = np.sqrt(mass * (1 - mass) / DRAWS)
        assert by_wins.get(wins, 0.0) == pytest.approx(mass, abs=4 * error + 1e-9)


def test_with_pushes_the_draws_match_exact_enumeration_of_every_outcome() -> None:
    # Whole lines: pushes drop legs and the slip reverts (flex 6 -> 5 -> ... -> 2-pick power).
    chances = [
        LegChance(0.40, 0.08, "over", "A"),
        LegChance(0.35, 0.10, "under", "B"),
        LegChance(0.45, 0.06, "over", "A"),
        LegChance(0.30, 0.12, "under", "C"),
        LegChance(0.50, 0.05, "over", "B"),
        LegChance(0.42, 0.09, "over", "C"),
    ]
    grid = _grid("prizepicks", "flex", 6)
    simulated = simulate(
        chances, np.eye(6), grid, standard_normals(DRAWS, 6, 3), single_team_refund=True
    )
    exact = exact_independent(chances, grid, single_team_refund=True)
    assert sum(o.probability for o in exact.outcomes) == pytest.approx(1.0, abs=1e-12)
    drawn = {(o.counted, o.won): o.probability for o in simulated.outcomes}
    for outcome in exact.outcomes:
        error = np.sqrt(outcome.probability * (1 - outcome.probability) / DRAWS)
        assert drawn.get((outcome.counted, outcome.won), 0.0) == pytest.approx(
            outcome.probability, abs=4 * error + 1e-6
        )
    assert simulated.expected_multiplier == pytest.approx(
        exact.expected_multiplier, abs=4 * simulated.standard_error
    )


def test_two_correlated_legs_match_the_bivariate_normal() -> None:
    rho, p_a, p_b = 0.45, 0.55, 0.60
    chances = _legs([p_a, p_b])
    grid = _grid("prizepicks", "power", 2)
    matrix = np.array([[1.0, rho], [rho, 1.0]])
    simulated = simulate(
        chances, matrix, grid, standard_normals(DRAWS, 2, 5), single_team_refund=True
    )
    both = stats.multivariate_normal([0, 0], matrix).cdf([stats.norm.ppf(p_a), stats.norm.ppf(p_b)])
    error = np.sqrt(both * (1 - both) / DRAWS)
    assert simulated.all_win == pytest.approx(both, abs=4 * error)
    assert simulated.expected_multiplier == pytest.approx(3.0 * both, abs=12 * error)
    # An under leg on the second stat takes the other side of the same correlation.
    under = [chances[0], LegChance(1.0 - p_b, 0.0, "under", "B")]
    opposite = simulate(under, matrix, grid, standard_normals(DRAWS, 2, 5), single_team_refund=True)
    assert opposite.all_win == pytest.approx(p_a - both, abs=4 * error)


def test_perfectly_correlated_legs_win_together() -> None:
    chances = _legs([0.6, 0.6])
    simulated = simulate(
        chances,
        np.ones((2, 2)),
        _grid("prizepicks", "power", 2),
        standard_normals(50_000, 2, 0),
        single_team_refund=True,
    )
    assert simulated.all_win == pytest.approx(0.6, abs=0.01)


@pytest.mark.parametrize(
    ("app", "play", "legs", "expected"),
    [
        ("prizepicks", "power", 2, (1 / 3) ** (1 / 2)),
        ("prizepicks", "power", 3, (1 / 5) ** (1 / 3)),
        ("prizepicks", "power", 4, (1 / 10) ** (1 / 4)),
        ("prizepicks", "power", 5, (1 / 20) ** (1 / 5)),
        ("prizepicks", "power", 6, (1 / 37.5) ** (1 / 6)),
        ("underdog", "power", 3, (1 / 6) ** (1 / 3)),
    ],
)
def test_power_break_even_is_the_root_of_the_multiplier(
    app: str, play: str, legs: int, expected: float
) -> None:
    assert break_even_probability(_grid(app, play, legs)) == pytest.approx(expected, abs=1e-8)


def test_flex_break_even_gives_zero_ev() -> None:
    grid = _grid("prizepicks", "flex", 5)
    p = break_even_probability(grid)
    exact = exact_independent(_legs([p] * 5), grid, single_team_refund=False)
    assert exact.expected_value == pytest.approx(0.0, abs=1e-8)
    assert 0.5 < p < 0.56


def test_one_seed_one_answer_and_six_legs_are_fast() -> None:
    chances = _legs([0.55, 0.57, 0.52, 0.6, 0.58, 0.54])
    matrix = nearest_correlation(np.full((6, 6), 0.2) + 0.8 * np.eye(6))
    grid = _grid("prizepicks", "power", 6)
    first = simulate(
        chances, matrix, grid, standard_normals(20_000, 6, 11), single_team_refund=True
    )
    again = simulate(
        chances, matrix, grid, standard_normals(20_000, 6, 11), single_team_refund=True
    )
    assert first == again
    started = time.perf_counter()
    simulate(chances, matrix, grid, standard_normals(20_000, 6, 12), single_team_refund=True)
    # About 10 ms on an idle core; the bound leaves room for a busy test machine.
    assert time.perf_counter() - started < 0.5


def test_a_lineup_left_on_one_team_is_refunded() -> None:
    # The only leg of team B pushes: PrizePicks refunds a lineup reverted to one team.
    chances = [
        LegChance(0.0, 0.0, "over", "A"),
        LegChance(0.0, 0.0, "over", "A"),
        LegChance(0.0, 1.0, "over", "B"),
    ]
    grid = _grid("prizepicks", "power", 3)
    assert exact_independent(chances, grid, single_team_refund=True).expected_multiplier == 1.0
    assert exact_independent(chances, grid, single_team_refund=False).expected_multiplier == 3.0


def test_legs_relate_by_player_team_and_game() -> None:
    jokic = LegKey(1, "DEN", "SAC", "2025-11-11", "points")
    assert relation(jokic, LegKey(1, "DEN", "SAC", "2025-11-11", "rebounds")) == "same_player"
    assert relation(jokic, LegKey(2, "DEN", "SAC", "2025-11-11", "points")) == "teammates"
    assert relation(jokic, LegKey(3, "SAC", "DEN", "2025-11-11", "points")) == "opponents"
    assert relation(jokic, LegKey(4, "BOS", "PHI", "2025-11-11", "points")) == "other_game"
    assert relation(jokic, LegKey(2, "DEN", "LAL", "2025-11-12", "points")) == "other_game"


def test_an_inconsistent_matrix_is_made_valid() -> None:
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    fixed = nearest_correlation(bad)
    assert np.linalg.eigvalsh(fixed).min() > -1e-9
    assert np.allclose(np.diag(fixed), 1.0)
