"""Naive baselines use only earlier games; the market baseline is a per-book de-vig."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from statmusepicks.evaluation.baselines import market_lines, point_baselines


def _logs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "player_id": [1] * 5,
            "game_id": [f"g{i}" for i in range(5)],
            "game_date": pd.to_datetime(
                ["2024-04-01", "2024-04-03", "2024-10-25", "2024-10-27", "2024-10-29"]
            ),
            "season": ["2023-24", "2023-24", "2024-25", "2024-25", "2024-25"],
            "pts": [10, 20, 30, 40, 50],
        }
    )


def test_baselines_only_look_at_earlier_games() -> None:
    base = point_baselines(_logs(), "pts").set_index("game_id")
    assert np.isnan(base.loc["g0", "last10"])
    assert np.isnan(base.loc["g2", "season_avg"])  # first game of a new season
    assert base.loc["g3", "season_avg"] == 30
    assert base.loc["g4", "season_avg"] == 35
    assert base.loc["g4", "last10"] == 25
    assert base.loc["g4", "last10"] < base.loc["g4", "ema"] < 40  # recent games weigh more


def test_market_lines_devig_each_book_and_settle() -> None:
    lines = pd.DataFrame(
        {
            "season": ["2025-26"] * 3,
            "game_date": ["2025-11-01"] * 3,
            "player_id": [7, 7, 7],
            "market": ["points", "points", "threes"],
            "bookmaker": ["fanduel", "bovada", "fanduel"],
            "line": [20.5, 21.0, 2.5],
            "over_price": [-110, -120, 150],
            "under_price": [-110, 100, -180],
            "is_main_line": [True, True, True],
            "actual": [21.0, 21.0, None],
        }
    )
    priced = market_lines(lines)
    assert priced["p_market"].iloc[0] == pytest.approx(0.5)
    assert list(priced["result"]) == ["over", "push", "void"]
    assert priced["over"].iloc[0] == 1.0
    assert priced["over"].iloc[1:].isna().all()
    assert list(priced["stat"]) == ["points", "points", "threes"]
