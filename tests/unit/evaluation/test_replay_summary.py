"""The replay's scores: weeks start on Monday, bets at the shown price, served vs market."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from statmusepicks.evaluation.replay_summary import (
    graded_from_backtest,
    placed_bets,
    summarize_replay,
    week_of,
)


def graded() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": ["2025-10-26", "2025-10-27", "2025-10-27", "2025-10-28"],
            "player_id": [1, 2, 3, 4],
            "stat": ["points", "points", "rebounds", "points"],
            "line": [20.5, 10.5, 5.5, 7.5],
            "best_over_odds": [100, -110, 120, -110],
            "best_under_odds": [-120, -110, -140, -110],
            "over_probability": [0.7, 0.4, 0.6, 0.5],
            "under_probability": [0.3, 0.6, 0.4, 0.5],
            "market_over_probability": [0.5, 0.5, 0.5, 0.5],
            "close_market_over_probability": [0.6, np.nan, np.nan, np.nan],
            "recommendation": ["OVER", "UNDER", "PASS", "OVER"],
            "result": ["over", "over", "under", "void"],
            "profit": [1.0, -1.0, None, 0.0],
        }
    )


def test_weeks_start_on_monday() -> None:
    weeks = week_of(pd.Series(["2025-10-26", "2025-10-27", "2025-11-02"]))
    assert list(weeks) == ["2025-10-20", "2025-10-27", "2025-10-27"]


def test_bets_are_the_recommendations_at_the_shown_price() -> None:
    bets = placed_bets(graded())
    assert list(bets["side"]) == ["over", "under", "over"]
    assert list(bets["edge"]) == pytest.approx([0.2, 0.1, 0.0])
    # Closed at 0.6 after an even-money over: +20 % against the close.
    assert bets["clv"].iloc[0] == pytest.approx(0.2)
    assert np.isnan(bets["clv"].iloc[1])


def test_the_summary_scores_served_and_market_on_the_same_settled_props() -> None:
    summary = summarize_replay(graded(), samples=200)
    overall = summary["overall"]
    assert overall["settled"] == 3
    outcome = np.array([1.0, 1.0, 0.0])
    assert overall["served"]["brier"] == pytest.approx(
        np.mean((np.array([0.7, 0.4, 0.6]) - outcome) ** 2)
    )
    assert overall["market"]["brier"] == pytest.approx(0.25)
    assert (overall["bets"], overall["wins"], overall["losses"]) == (2, 1, 1)
    assert overall["roi"] == pytest.approx(0.0)
    assert list(summary["by_week"]) == ["2025-10-20", "2025-10-27"]
    assert summary["by_stat"]["rebounds"]["bets"] == 0


def test_a_backtest_is_scored_as_a_replay_with_one_strategys_bets_as_recommendations() -> None:
    props = pd.DataFrame(
        {
            "prop_id": [0, 1, 2],
            "game_date": pd.to_datetime(["2025-10-27", "2025-10-27", "2025-10-28"]).date,
            "player_id": [1, 2, 3],
            "market": ["points", "threes", "points"],
            "line": [20.5, 2.5, 7.5],
            "over_price": [100, -110, -110],
            "under_price": [-120, -110, -110],
            "p_over": [0.7, 0.4, np.nan],
            "p_under": [0.3, 0.6, np.nan],
            "market_p_over": [0.5, 0.5, 0.5],
            "close_p_over": [0.6, np.nan, np.nan],
            "result": ["over", "over", "under"],
        }
    )
    bets = pd.DataFrame(
        {
            "strategy": ["ev", "kelly", "kelly"],
            "prop_id": [0, 0, 1],
            "side": ["over", "over", "under"],
            "unit_profit": [1.0, 1.0, -1.0],
        }
    )
    graded = graded_from_backtest(props, bets, "ev")
    assert list(graded["recommendation"]) == ["OVER", "PASS"]  # the unpriced prop is left out
    assert list(graded["profit"].fillna(0.0)) == [1.0, 0.0]
    summary = summarize_replay(graded, samples=100)
    assert summary["overall"]["settled"] == 2
    assert (summary["overall"]["bets"], summary["overall"]["roi"]) == (1, pytest.approx(1.0))
