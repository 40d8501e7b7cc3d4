"""Reference pricers: the de-vigged market and the season-average negative binomial."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from statmusepicks.evaluation.pricers import MarketPricer, SeasonMeanPricer, count_probabilities
from tests import factories
from tests.unit.evaluation.seasons import DAY


def test_over_under_and_push_sum_to_one_and_half_lines_never_push() -> None:
    mean = np.array([20.0, 20.0, 0.8])
    alpha = np.array([0.05, 0.05, 0.0])
    over, under, push = count_probabilities(mean, alpha, np.array([20.0, 19.5, 0.5]))
    assert over + under + push == pytest.approx(np.ones(3))
    assert push[0] > 0.03
    assert push[1] == pytest.approx(0.0)
    # Poisson limit: P(X = 0) = exp(-0.8).
    assert under[2] == pytest.approx(np.exp(-0.8), rel=1e-6)


def test_an_unknown_mean_gives_no_opinion() -> None:
    over, under, push = count_probabilities(np.array([np.nan]), np.array([0.1]), np.array([3.5]))
    assert np.isnan(over[0])
    assert np.isnan(under[0])
    assert np.isnan(push[0])


def _history() -> pd.DataFrame:
    rows = [
        {
            "season": "2024-25",
            "game_date": dt.date(2025, 3, 1) + dt.timedelta(days=i),
            "player_id": 7,
            "pts": 10,
            "reb": 4,
            "ast": 2,
            "fg3m": 1,
            "blk": 0,
            "stl": 1,
        }
        for i in range(10)
    ] + [
        {
            "season": "2025-26",
            "game_date": dt.date(2025, 10, 25) + dt.timedelta(days=i),
            "player_id": 7,
            "pts": 20,
            "reb": 6,
            "ast": 4,
            "fg3m": 3,
            "blk": 1,
            "stl": 1,
        }
        for i in range(2)
    ]
    return pd.DataFrame(rows)


def test_the_season_mean_leans_on_last_season_while_this_one_is_young() -> None:
    history = _history()
    pricer = SeasonMeanPricer(prior_games=5).fit(DAY, history)
    props = pd.DataFrame(
        {
            "game_date": [DAY, DAY],
            "player_id": [7, 99],
            "market": ["points", "points"],
            "line": [14.5, 14.5],
        }
    )
    priced = pricer.price(props, history)
    assert priced.loc[0, "predicted"] == pytest.approx((20 * 2 + 10 * 5) / 7)
    assert priced.loc[0, ["p_over", "p_under", "p_push"]].sum() == pytest.approx(1.0)
    # A player never seen has no price rather than a made-up one.
    assert priced.loc[1, ["p_over", "p_under"]].isna().all()


def test_combos_are_priced_from_the_summed_box_score() -> None:
    history = _history()
    pricer = SeasonMeanPricer(prior_games=0).fit(DAY, history)
    props = pd.DataFrame({"game_date": [DAY], "player_id": [7], "market": ["pra"], "line": [29.5]})
    assert pricer.price(props, history).loc[0, "predicted"] == pytest.approx(30.0)


def test_the_spread_fitted_on_real_points_is_overdispersed() -> None:
    logs = factories.player_logs(seasons=("2023-24", "2024-25"))
    fitted = SeasonMeanPricer().fit(dt.date(2025, 10, 21), logs)
    assert fitted.alphas["points"] > 0.02
    assert fitted.fitted_on == dt.date(2025, 10, 21)


def test_the_market_pricer_returns_the_de_vigged_price() -> None:
    props = pd.DataFrame({"market_p_over": [0.56, 0.40]})
    priced = MarketPricer().price(props, pd.DataFrame())
    assert priced["p_over"].tolist() == [0.56, 0.40]
    assert priced["p_under"].tolist() == pytest.approx([0.44, 0.60])
