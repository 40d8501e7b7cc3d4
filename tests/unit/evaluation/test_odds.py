"""Price arithmetic matches hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from statmusepicks.evaluation.odds import (
    american_to_decimal,
    book_margin,
    devig,
    expected_value,
    fair_american,
    implied_probability,
    is_valid_american,
    kelly_stake,
)


def test_american_odds_convert_to_decimal_and_implied_probability() -> None:
    assert american_to_decimal(-110) == pytest.approx(1.909090909)
    assert american_to_decimal(150) == pytest.approx(2.5)
    assert implied_probability(-110) == pytest.approx(0.5238095)


def test_devig_of_a_symmetric_market_is_one_half_and_the_margin_is_the_overround() -> None:
    assert devig(-110, -110) == pytest.approx(0.5)
    assert book_margin(-110, -110) == pytest.approx(0.047619, abs=1e-6)
    assert devig(-150, 120) == pytest.approx(0.6 / (0.6 + 100 / 220))


def test_expected_value_is_zero_at_the_fair_price() -> None:
    price = fair_american(0.6)
    assert price == pytest.approx(-150)
    assert expected_value(0.6, 0.4, price) == pytest.approx(0.0, abs=1e-9)


def test_a_push_returns_the_stake_so_it_does_not_count_as_a_loss() -> None:
    ev = expected_value(0.45, 0.45, 100)
    assert ev == pytest.approx(0.0)


def test_kelly_is_quartered_capped_and_never_negative() -> None:
    full = (0.9090909 * 0.55 - 0.45) / 0.9090909
    assert kelly_stake(0.55, 0.45, -110, fraction=1.0, cap=1.0) == pytest.approx(full, rel=1e-5)
    assert kelly_stake(0.55, 0.45, -110) == pytest.approx(min(full / 4, 0.02), rel=1e-5)
    assert kelly_stake(0.9, 0.1, -110) == 0.02
    assert kelly_stake(0.40, 0.60, -110) == 0.0


@pytest.mark.parametrize(
    ("odds", "valid"), [(-110, True), (100, True), (-100, True), (50, False), (np.nan, False)]
)
def test_american_odds_below_100_in_size_are_not_prices(odds: float, valid: bool) -> None:
    assert is_valid_american(odds) is valid
