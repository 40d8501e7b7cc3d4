"""Closing-line value of served picks: the taken price against the close of its side."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from statmusepicks.data.db.models_market import ClosingValue
from statmusepicks.evaluation.odds import american_to_decimal, devig
from statmusepicks.services.closing_values import record_closing_values
from statmusepicks.services.container import Container
from tests.integration.season.planting import TIP, plant_lines, plant_pick, snapshot

AFTER = dt.datetime(2025, 11, 15, 10, 0, tzinfo=dt.UTC)


def plant_market(container: Container) -> None:
    morning = dt.datetime(2025, 11, 14, 15, 0, tzinfo=dt.UTC)
    close = TIP - dt.timedelta(minutes=20)
    plant_lines(
        container.engine,
        [
            snapshot(player_id=1, captured_at=morning, over_price=-110, under_price=-110),
            snapshot(player_id=1, captured_at=close, over_price=-140, under_price=110),
            snapshot(
                player_id=1, captured_at=close, over_price=-150, under_price=120, bookmaker="betmgm"
            ),
            # Live prices after tip-off are not the close.
            snapshot(
                player_id=1,
                captured_at=TIP + dt.timedelta(minutes=30),
                over_price=-400,
                under_price=300,
            ),
        ],
    )


def test_a_pick_that_beat_the_close_has_positive_clv_and_a_rerun_adds_nothing(
    market_container: Container,
) -> None:
    plant_market(market_container)
    engine = market_container.engine
    pick = plant_pick(engine, player_id=1, recommendation="OVER")
    plant_pick(engine, player_id=2, recommendation="UNDER")
    plant_pick(engine, player_id=1, recommendation="PASS")
    plant_pick(engine, player_id=1, recommendation="OVER", graded=False)

    report = record_closing_values(market_container, AFTER)
    assert report.rows == 1
    assert report.details["without_close"] == 1  # player 2's line never closed in the data
    with market_container.sessions() as session:
        value = session.scalars(select(ClosingValue)).one()
    fair = (devig(-140, 110) + devig(-150, 120)) / 2
    assert value.prediction_id == pick
    assert (value.side, value.taken_price, value.n_books) == ("over", -110, 2)
    assert value.closing_probability == pytest.approx(float(fair))
    assert value.closing_price == pytest.approx(-145.0)
    assert value.clv == pytest.approx(float(fair * american_to_decimal(-110) - 1))
    assert value.clv > 0
    assert value.price_clv > 0
    assert value.closing_captured_at.replace(tzinfo=dt.UTC) == TIP - dt.timedelta(minutes=20)

    assert record_closing_values(market_container, AFTER).rows == 0


def test_before_tip_off_there_is_no_close_to_measure_against(
    market_container: Container,
) -> None:
    plant_market(market_container)
    plant_pick(market_container.engine, player_id=1, recommendation="UNDER")
    report = record_closing_values(market_container, TIP - dt.timedelta(minutes=5))
    assert report.rows == 0
    under = record_closing_values(market_container, AFTER)
    with market_container.sessions() as session:
        value = session.scalars(select(ClosingValue)).one()
    assert under.rows == 1
    assert value.side == "under"
    assert value.clv < 0
