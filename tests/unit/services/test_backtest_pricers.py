"""The walk-forward model pricer: targets, settlement of earlier props, and (slow) a real run."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from statmusepicks.evaluation.backtest import BacktestEngine
from statmusepicks.evaluation.backtest_types import BacktestConfig
from statmusepicks.services.backtest_pricers import (
    ModelPricerFactory,
    _settle_from_box_scores,
    _targets,
)
from tests import factories

DAY = dt.date(2025, 11, 3)


def _history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "player_id": [1, 1, 2],
            "game_date": [dt.date(2025, 10, 30), dt.date(2025, 11, 1), dt.date(2025, 11, 1)],
            "team": ["BOS", "LAL", "DEN"],
            "pts": [10, 24, 8],
            "reb": [3, 5, 9],
            "ast": [1, 6, 2],
        }
    )


def test_a_target_takes_the_players_latest_team_and_the_other_side_as_opponent() -> None:
    props = pd.DataFrame(
        {
            "player_id": [1, 2],
            "game_date": [DAY, DAY],
            "home_team": ["LAL", "BOS"],
            "away_team": ["GSW", "MIA"],
            "market": ["points", "points"],
            "line": [20.5, 7.5],
        }
    )
    targets = _targets(props, _history())
    assert targets.loc[0, ["team", "opp", "is_home"]].tolist() == ["LAL", "GSW", True]
    # Player 2's last team is not in this game (a trade): no target rather than a wrong one.
    assert pd.isna(targets.loc[1, "team"])


def test_earlier_props_are_settled_from_box_scores_without_pushes() -> None:
    priced = pd.DataFrame(
        {
            "player_id": [1, 1, 2],
            "game_date": [dt.date(2025, 11, 1)] * 3,
            "market": ["points", "pra", "points"],
            "line": [20.5, 35.0, 8.0],
            "p_raw": [0.5, 0.5, 0.5],
            "market_p_over": [0.5, 0.5, 0.5],
        }
    )
    settled = _settle_from_box_scores(priced, _history())
    # 24 > 20.5 is an over; PRA 24+5+6 = 35 on a 35 line is a push and is left out;
    # 8 points on an 8 line is a push too.
    assert settled[["market", "over"]].values.tolist() == [["points", 1.0]]


@pytest.mark.slow
def test_a_week_of_real_points_lines_is_priced_from_models_trained_before_it() -> None:
    from statmusepicks.data.ingest.bundled import with_estimated_capture

    lines = with_estimated_capture(factories.prop_lines())
    logs = factories.player_logs(seasons=("2021-22", "2022-23", "2023-24", "2024-25", "2025-26"))
    factory = ModelPricerFactory(factories.team_logs(), stats=("points",))
    config = BacktestConfig(
        start=dt.date(2025, 10, 21), end=dt.date(2025, 10, 31), markets=("points",)
    )
    result = BacktestEngine(config).run(lines, logs, factory)
    assert result.summary["props_priced"] > 0
    assert factory.fits_[0]["models_trained_on"] == "2025-10-21"
    assert factory.fits_[-1]["settled_props"] > 0
