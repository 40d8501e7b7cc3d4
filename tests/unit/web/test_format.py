"""Numbers as bettors read them."""

from __future__ import annotations

import datetime as dt

import pytest

from statmusepicks.web import format as fmt


@pytest.mark.parametrize(
    ("odds", "text"),
    [(150, "+150"), (-110, "-110"), (100, "+100"), (-104.4, "-104"), (99.6, "+100"), (None, "—")],
)
def test_american_odds_carry_their_sign(odds: float | None, text: str) -> None:
    assert fmt.american(odds) == text


def test_percentages_have_one_decimal() -> None:
    assert fmt.percent(0.5432) == "54.3%"
    assert fmt.percent(1) == "100.0%"
    assert fmt.percent(float("nan")) == "—"


def test_edges_and_ev_are_signed_and_zero_is_not_negative() -> None:
    assert fmt.signed_percent(0.032) == "+3.2%"
    assert fmt.signed_percent(-0.0451) == "-4.5%"
    assert fmt.signed_percent(-0.0001) == "0.0%"


def test_lines_print_as_books_print_them() -> None:
    assert fmt.line(24.5) == "24.5"
    assert fmt.line(7.0) == "7"


def test_dates_and_signs() -> None:
    assert fmt.day("2025-11-14") == "Fri 14 Nov 2025"
    assert fmt.day(dt.date(2025, 11, 14)) == "Fri 14 Nov 2025"
    assert fmt.sign_class(0.01) == "pos"
    assert fmt.sign_class(-0.01) == "neg"
    assert fmt.sign_class(None) == ""
    assert fmt.sign_class(-0.0001) == ""
