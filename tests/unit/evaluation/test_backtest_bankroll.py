"""Bankroll arithmetic: profit per bet, drawdown, bootstrap interval, bets for significance."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from statmusepicks.evaluation.bankroll import (
    bets_for_significance,
    bootstrap_roi,
    max_drawdown,
    profit_per_unit,
    summarize_bets,
)


def test_a_unit_bet_wins_its_net_odds_loses_its_stake_and_is_refunded_on_push_or_void() -> None:
    side = pd.Series(["over", "over", "under", "under", "over"])
    result = pd.Series(["over", "under", "under", "push", "void"])
    price = pd.Series([150, -110, -200, -110, +300])
    assert profit_per_unit(side, result, price).tolist() == pytest.approx(
        [1.5, -1.0, 0.5, 0.0, 0.0]
    )


def test_drawdown_is_the_largest_fall_from_a_running_peak() -> None:
    curve = pd.Series([110.0, 88.0, 95.0, 120.0, 108.0])
    units, share = max_drawdown(curve, starting_bankroll=100.0)
    assert units == pytest.approx(22.0)
    assert share == pytest.approx(0.2)


def test_a_bankroll_that_only_grows_has_no_drawdown() -> None:
    assert max_drawdown(pd.Series([101.0, 105.0]), 100.0) == (0.0, 0.0)


def test_a_flat_bankroll_run_below_zero_counts_as_ruin_not_more() -> None:
    _, share = max_drawdown(pd.Series([50.0, -30.0]), 100.0)
    assert share == 1.0


def test_about_1400_bets_separate_a_55_percent_record_at_minus_110_from_break_even() -> None:
    win = 100 / 110
    returns = pd.Series([win] * 55 + [-1.0] * 45)
    needed = bets_for_significance(returns)
    assert needed is not None
    assert 1300 < needed < 1500


def test_bigger_stakes_weigh_more_in_the_edge_that_needs_proving() -> None:
    returns = pd.Series([1.0, -1.0, 1.0, -1.0])
    assert bets_for_significance(returns) is None  # break-even when every bet is the same size
    weighted = bets_for_significance(returns, pd.Series([2.0, 1.0, 2.0, 1.0]))
    assert weighted is not None
    assert weighted > 4


def test_no_number_of_bets_makes_a_losing_record_significant() -> None:
    assert bets_for_significance(pd.Series([-1.0, 0.9, -1.0])) is None


def _bets(days: int, per_day: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    won = rng.random(days * per_day) < 0.5
    return pd.DataFrame(
        {
            "game_date": np.repeat(
                [dt.date(2025, 11, 1) + dt.timedelta(days=d) for d in range(days)], per_day
            ),
            "stake": 1.0,
            "profit": np.where(won, 1.0, -1.0),
        }
    )


def test_the_bootstrap_interval_brackets_the_observed_roi_and_narrows_with_more_bets() -> None:
    small, large = _bets(10, 20, 1), _bets(100, 20, 1)
    low_s, high_s = bootstrap_roi(small, samples=1000, seed=0)  # type: ignore[misc]
    low_l, high_l = bootstrap_roi(large, samples=1000, seed=0)  # type: ignore[misc]
    roi = large["profit"].sum() / large["stake"].sum()
    assert low_l < roi < high_l
    assert high_l - low_l < high_s - low_s


def test_summary_of_no_bets_is_empty_not_an_error() -> None:
    empty = pd.DataFrame(columns=["strategy", "game_date", "side", "result", "stake", "profit"])
    summary = summarize_bets(empty, None)
    assert summary["bets"] == 0
    assert summary["roi"] is None
    assert summary["roi_ci95"] is None
