"""Pricing one prop from a predictive distribution: probabilities, EV, edge, Kelly, words."""

from __future__ import annotations

import pytest

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import STATS
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.predictions import (
    Market,
    PredictionRequest,
    describe_feature,
    explain,
    price_prop,
    validate_request,
)

POINTS = STATS["points"]
RULES = {"edge_threshold": 0.03, "kelly_fraction": 0.25, "kelly_cap": 0.02}


def _dist(mean: float) -> PropDistribution:
    return PropDistribution(
        mean=mean,
        variance=1.3 * mean + 0.04 * mean**2,
        stat="points",
        model_version="smp-points-global:1",
        scope="global",
        contributions=(("f_pts_sma10", 2.5), ("f_opp_drtg", -0.8), ("f_rest_days", 0.2)),
    )


def _price(mean: float, line: float, market: Market | None = None, **odds: float) -> dict:
    request = PredictionRequest("x", "points", line, **odds)
    return price_prop(_dist(mean), POINTS, request, market, Predictor(), **RULES)


def test_a_mean_far_above_the_line_is_an_over_with_a_capped_kelly_stake() -> None:
    priced = _price(30.0, 22.5)
    assert priced["recommendation"] == "OVER"
    assert priced["over_probability"] > 0.8
    assert priced["expected_value"] > 0
    assert priced["kelly_fraction"] == 0.02  # quarter Kelly would be more: the cap binds
    assert priced["fair_odds_over"] < -100


def test_a_mean_on_the_line_is_a_pass_with_no_stake() -> None:
    priced = _price(22.6, 22.5)
    assert priced["recommendation"] == "PASS"
    assert priced["kelly_fraction"] == 0.0


def test_without_fitted_weights_the_stored_market_decides_and_nothing_is_bet() -> None:
    priced = _price(30.0, 22.5, Market(0.55, 6, "stored_lines"))
    assert priced["over_probability"] == pytest.approx(0.55, abs=1e-4)
    assert priced["edge"] == pytest.approx(0.0, abs=1e-4)
    assert priced["recommendation"] == "PASS"


def test_a_long_price_on_a_likely_side_has_a_larger_ev() -> None:
    even = _price(25.0, 22.5)
    long = _price(25.0, 22.5, odds_over=130, odds_under=-160)
    assert long["expected_value_over"] > even["expected_value_over"]
    assert long["over_probability"] == even["over_probability"]


def test_whole_lines_push_and_the_three_probabilities_sum_to_one() -> None:
    priced = _price(20.0, 20.0)
    total = priced["over_probability"] + priced["under_probability"] + priced["push_probability"]
    assert priced["push_probability"] > 0.0
    assert total == pytest.approx(1.0, abs=1e-3)


def test_features_are_described_in_plain_words() -> None:
    assert describe_feature("f_pts_sma10") == "points average over the last 10 games"
    assert describe_feature("f_opp_drtg") == "opponent's defensive rating"
    assert describe_feature("f_vs_opp_reb") == "rebounds against this opponent"
    text, factors = explain(_dist(25.0), POINTS, 22.5, 0.7)
    assert [f["direction"] for f in factors] == ["raises", "lowers", "raises"]
    assert "points average over the last 10 games raises it by 2.50" in text


@pytest.mark.parametrize(
    ("line", "over", "under"),
    [
        (0, -110, -110),
        (81, -110, -110),
        (20.5, -99, -110),
        (20.5, -110, 50),
        (float("nan"), -110, -110),
    ],
)
def test_impossible_lines_and_prices_are_refused(line: float, over: float, under: float) -> None:
    with pytest.raises(ValidationError):
        validate_request(PredictionRequest("x", "points", line, over, under))
