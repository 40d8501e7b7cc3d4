"""Slip simulation: its speed, and its check against past games on the full bundled data.

Run: `.venv/bin/python benchmarks/bench_slips.py` (or `pytest -m bench -s
benchmarks/bench_slips.py`). Prints the median time of one simulation (20,000 draws, 2 to 6
legs, against a 100 ms budget), the time to estimate the leg correlations from two seasons of
box scores, and for several relations and stat pairs the rate at which both overs hit in
2024-25 against the copula's prediction (correlations from the two seasons before 2024-10-01)
and against independence (docs/slips.md quotes these figures).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from statmusepicks.data.payouts import Play, payout_version
from statmusepicks.models.leg_correlation import Relation, estimate_correlations
from statmusepicks.models.leg_correlation_check import joint_check
from statmusepicks.models.slip_simulation import LegChance, simulate, standard_normals

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "bundled" / "player_game_logs.parquet"
SIMULATION_BUDGET_MS = 100.0
DRAWS = 20_000
CUT, UNTIL = dt.date(2024, 10, 1), dt.date(2025, 7, 1)
PAIRS: list[tuple[Relation, str, str]] = [
    ("same_player", "points", "rebounds"),
    ("same_player", "points", "assists"),
    ("same_player", "rebounds", "assists"),
    ("same_player", "points", "threes"),
    ("same_player", "points", "pra"),
    ("teammates", "points", "points"),
    ("teammates", "points", "assists"),
    ("teammates", "rebounds", "rebounds"),
    ("opponents", "points", "points"),
    ("opponents", "rebounds", "rebounds"),
]


def simulation_ms(legs: int, repeats: int = 15) -> float:
    """Median milliseconds of one seeded simulation of a flex (or power) slip."""
    play: Play = "flex" if legs >= 3 else "power"
    grid = payout_version("prizepicks", play, legs, UNTIL).settlement_grid(play, legs)
    chances = [LegChance(0.42, 0.04, "over", "AB"[i % 2]) for i in range(legs)]
    matrix = np.full((legs, legs), 0.15) + 0.85 * np.eye(legs)
    times = []
    for seed in range(repeats):
        started = time.perf_counter()
        simulate(
            chances, matrix, grid, standard_normals(DRAWS, legs, seed), single_team_refund=True
        )
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    print(f"\nslip simulation, {DRAWS:,} draws (budget {SIMULATION_BUDGET_MS:g} ms):")
    for legs in range(2, 7):
        figures[f"simulate_{legs}_ms"] = ms = simulation_ms(legs)
        print(f"  {legs} legs: {ms:.1f} ms")
    logs = pd.read_parquet(BUNDLED)
    dates = pd.to_datetime(logs["game_date"]).dt.date
    window = logs[(dates >= CUT - dt.timedelta(days=730)) & (dates < CUT)]
    started = time.perf_counter()
    estimate_correlations(window)
    figures["estimate_s"] = time.perf_counter() - started
    print(f"leg correlations from {len(window):,} box scores: {figures['estimate_s']:.1f} s")
    print(
        f"\nboth overs hit, games {CUT} to {UNTIL} (correlations from the two seasons before;"
        " lines at each player's form):"
    )
    print(
        "  relation     stats               pairs    rho   games  copula  indep."
        "  | excess: games  copula  (s.e.)"
    )
    for check in joint_check(logs, CUT, PAIRS, until=UNTIL):
        stats = f"{check.stat_a}/{check.stat_b}"
        print(
            f"  {check.relation:<12} {stats:<18} {check.pairs:>7,} {check.correlation:6.3f}"
            f"  {check.empirical_joint:.4f}  {check.copula_joint:.4f}"
            f"  {check.independent_joint:.4f}"
            f"  |  {check.empirical_excess:+.4f} {check.copula_excess:+.4f}"
            f"  ({check.excess_standard_error:.4f})"
        )
        figures[f"{check.relation}_{stats}_excess_gap"] = (
            check.copula_excess - check.empirical_excess
        )
    return figures


@pytest.mark.bench
def test_slip_simulation_speed_and_joint_check() -> None:
    figures = run()
    assert figures["simulate_6_ms"] > 0


if __name__ == "__main__":
    run()
