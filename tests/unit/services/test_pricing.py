"""Pricing one prop from a predictive distribution: probabilities, EV, edge, Kelly, words."""

from __future__ import annotations

import pytest

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import STATS
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.explanations import describe_feature, explain
from statmusepicks.services.prediction_request import (
    PredictionRequest,
    parse_item,
    validate_request,
)
from statmusepicks.services.pricing import BettingRules, Market, Offer, price_prop

POINTS = STATS["points"]
RULES = BettingRules(edge_threshold=0.03, kelly_fraction=0.25, kelly_cap=0.02)


def _dist(mean: float) -> PropDistribution:
    return PropDistribution(
        mean=mean,
        variance=1.3 * mean + 0.04 * mean**2,
        stat="points",
        model_version="smp-points-global:1",
        scope="global",
        contributions=(("f_pts_sma10", 2.5), ("f_opp_drtg", -0.8), ("f_rest_days", 0.2)),
    )


def _price(
    mean: float,
    line: float,
    market: Market | None = None,
    odds_over: float = -110,
    odds_under: float = -110,
) -> dict:
    offer = Offer(line, odds_over, odds_under)
    return price_prop(_dist(mean), POINTS, offer, market, Predictor(), RULES)


def test_a_mean_far_above_the_line_is_an_over_with_a_capped_kelly_stake() -> None:
    priced = _price(30.0, 22.5)
    assert priced["recommendation"] == priced["decision"] == "OVER"
    assert priced["over_probability"] > 0.8
    assert priced["confidence"] > 80.0  # percent, as the frontend reads it
    assert priced["expected_value"] > 0
    assert priced["kelly_fraction"] == 0.02  # quarter Kelly would be more: the cap binds
    assert priced["fair_odds_over"] < -100


def test_a_mean_on_the_line_is_a_pass_with_no_stake() -> None:
    priced = _price(22.6, 22.5)
    assert priced["recommendation"] is None
    assert priced["decision"] == "PASS"
    assert priced["kelly_fraction"] == 0.0


def test_without_fitted_weights_the_stored_market_decides_and_nothing_is_bet() -> None:
    priced = _price(30.0, 22.5, Market(0.55, 6, "stored_lines"))
    assert priced["over_probability"] == pytest.approx(0.55, abs=1e-4)
    assert priced["edge"] == pytest.approx(0.0, abs=1e-4)
    assert priced["recommendation"] is None
    assert priced["decision"] == "PASS"


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
        (501, -110, -110),
        (20.5, -99, -110),
        (20.5, -110, 50),
        (20.5, -110, 100_001),
        (float("nan"), -110, -110),
    ],
)
def test_impossible_lines_and_prices_are_refused(line: float, over: float, under: float) -> None:
    item = {"player": "x", "stat": "points", "line": line, "odds_over": over, "odds_under": under}
    with pytest.raises(ValidationError):
        validate_request(parse_item(item))


def test_the_request_model_states_the_checks_it_enforces() -> None:
    schema = PredictionRequest.model_json_schema()["properties"]
    assert (schema["line"]["exclusiveMinimum"], schema["line"]["maximum"]) == (0, 500)
    odds = next(s for s in schema["odds_over"]["anyOf"] if s["type"] == "number")
    assert (odds["minimum"], odds["maximum"]) == (-100_000, 100_000)
    assert "-100 or lower, or +100 or higher" in schema["odds_over"]["description"]
    team = next(s for s in schema["opponent"]["anyOf"] if s["type"] == "string")
    assert (team["minLength"], team["maxLength"]) == (2, 3)


def test_a_request_takes_the_frontends_loose_forms() -> None:
    request = parse_item(
        {"player": 203999, "stat": "Points", "line": "27.5", "odds_over": None, "opponent": ""}
    )
    assert (request.player_query, request.line, request.odds_over) == ("203999", 27.5, -110)
    assert request.opponent is None
    assert validate_request(request).key == "points"
    with pytest.raises(ValidationError, match="opponent"):
        parse_item({"player": "x", "stat": "points", "line": 2.5, "opponent": "LAKERS"})
