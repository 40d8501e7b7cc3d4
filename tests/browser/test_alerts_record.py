"""The alerts page and the track record's closing-line value in a real Chromium; writes
docs/screenshots/alerts.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from statmusepicks.data.db.models_alerts import PropAlert
from statmusepicks.data.db.models_market import ClosingValue
from statmusepicks.services.container import Container
from tests.prediction_rows import plant_predictions, prediction_row

pytestmark = pytest.mark.browser
Shot = Callable[..., Path]
AS_OF = dt.datetime(2025, 11, 14, 18, 5, tzinfo=dt.UTC)


def _alert(kind: str, title: str, **fields: object) -> PropAlert:
    values: dict[str, object] = {
        "kind": kind,
        "dedup_key": f"{kind}:{title}",
        "fingerprint": "1",
        "as_of": AS_OF,
        "game_date": AS_OF.date(),
        "player_id": 203999,
        "player_name": "Nikola Jokic",
        "title": title,
        "details": {},
    }
    return PropAlert(**(values | fields))


def test_the_alerts_page_lists_filters_and_says_when_the_market_moved_past_fair(
    adult_page: Page, browser_container: Container, screenshot: Shot
) -> None:
    with browser_container.sessions.begin() as session:
        session.add_all(
            [
                _alert(
                    "edge",
                    "Nikola Jokic OVER 10.5 assists: edge +6.0% at +120 (fanduel)",
                    stat="assists",
                    book="fanduel",
                    line=10.5,
                    side="OVER",
                    edge=0.06,
                    details={"fair_line": 11.2, "market_past_fair": False},
                ),
                _alert(
                    "line_move",
                    "Nikola Jokic points: draftkings moved 27.5 to 29.5 (+2)",
                    stat="points",
                    book="draftkings",
                    line=29.5,
                    details={"fair_line": 28.4, "market_past_fair": True},
                ),
                _alert("injury", "Nikola Jokic: questionable (nba)", details={}),
            ]
        )
    page = adult_page
    page.goto("/alerts")
    table = page.get_by_test_id("alerts")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("yes, moved past 28.4")
    expect(table).to_contain_text("not yet")
    screenshot(page, "alerts")
    page.get_by_label("Kind").select_option("line_move")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url("/alerts?kind=line_move&stat=", ignore_case=True)
    expect(table.locator("tbody tr")).to_have_count(1)


def test_the_track_record_shows_clv_next_to_roi(
    adult_page: Page, browser_container: Container
) -> None:
    ids = plant_predictions(
        browser_container.engine,
        [
            prediction_row(
                player_id=900 + i,
                player_name=f"Record {i}",
                game_date=dt.date(2025, 11, 10),
                model_version="smp-points-global:1",
                recommendation="OVER",
                graded_at=AS_OF,
                actual=25.0,
                result="over",
                profit=100 / 110,
            )
            for i in range(2)
        ],
    )
    with browser_container.sessions.begin() as session:
        session.add_all(
            ClosingValue(
                prediction_id=prediction_id,
                side="over",
                taken_price=-110,
                closing_price=-125,
                closing_probability=0.54,
                closing_captured_at=AS_OF,
                n_books=1,
                clv=0.031,
                price_clv=0.06,
                computed_at=AS_OF,
            )
            for prediction_id in ids
        )
    page = adult_page
    page.goto("/models")
    record = page.get_by_test_id("track-record")
    expect(record.get_by_role("columnheader", name="CLV")).to_be_visible()
    expect(record.get_by_test_id("clv").first).to_have_text("+3.1%")
