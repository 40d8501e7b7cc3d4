"""The monitoring page in a real Chromium: charts drawn from stored daily rows, the banner of
an open alert, the alerts table and data freshness; writes docs/screenshots/monitoring.png."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import insert

from statmusepicks.data.db.models import PropLine
from statmusepicks.data.db.models_market import ClosingValue
from statmusepicks.services.container import Container
from statmusepicks.services.data_quality import record_data_quality
from statmusepicks.services.monitoring import record_daily_metrics
from statmusepicks.services.monitoring_alerts import evaluate_alerts
from statmusepicks.services.sync import Alerter
from tests.integration.test_monitoring import plant

pytestmark = pytest.mark.browser
Shot = Callable[..., Path]
FIRST = dt.date(2025, 10, 25)
DAYS = 14


def _lines(day: dt.date, first_player: int, fair: np.ndarray) -> list[dict[str, object]]:
    """One book's line per prop at the planted line, priced at the market's fair P(over)."""
    return [
        {
            "season": "2025-26",
            "game_date": day,
            "captured_at": dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
            "away_team": "AAA",
            "home_team": "BBB",
            "player_name": f"P{first_player + i}",
            "player_id": first_player + i,
            "market": "points",
            "bookmaker": "book",
            "line": 20.5,
            "over_price": round(-100 * p / (1 - p)) if p >= 0.5 else round(100 * (1 - p) / p),
            "under_price": round(-100 * (1 - p) / p) if p < 0.5 else round(100 * p / (1 - p)),
            "source": "test",
        }
        for i, p in enumerate(fair)
    ]


def _closing(day: dt.date, ids: list[int], rng: np.random.Generator) -> list[dict[str, object]]:
    """Closing-line values of the day's picks, as the closing-price job stores them."""
    close = dt.datetime.combine(day, dt.time(23), tzinfo=dt.UTC)
    return [
        {
            "prediction_id": pid,
            "side": "over",
            "taken_price": -110,
            "closing_price": -115,
            "closing_probability": 0.53,
            "closing_captured_at": close,
            "n_books": 1,
            "clv": float(rng.normal(0.01, 0.03)),
            "price_clv": 0.0,
            "computed_at": close,
        }
        for pid in ids
    ]


@pytest.fixture(scope="module")
def monitored(browser_container: Container) -> Container:
    """Two weeks of graded predictions and lines, recorded day by day; the last days drift."""
    rng = np.random.default_rng(11)
    for k in range(DAYS):
        day = FIRST + dt.timedelta(days=k)
        truth = rng.uniform(0.3, 0.7, 80)
        went_over = rng.random(80) < truth
        noise = 0.05 if k < DAYS - 3 else 0.3
        served = np.clip(truth + rng.normal(0, noise, 80), 0.05, 0.95)
        ids = plant(browser_container, day, served, went_over, first_player=100_000 + 1000 * k)
        with browser_container.sessions.begin() as session:
            market = np.clip(truth + rng.normal(0, 0.04, 80), 0.1, 0.9)
            session.execute(insert(PropLine), _lines(day, 100_000 + 1000 * k, market))
            session.execute(insert(ClosingValue), _closing(day, ids, rng))
        as_of = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(11), tzinfo=dt.UTC)
        record_daily_metrics(browser_container, as_of)
        record_data_quality(browser_container, as_of)
        evaluate_alerts(browser_container, as_of, alerter=Alerter(None))
    return browser_container


def test_monitoring_page_draws_scores_alerts_and_freshness(
    monitored: Container, adult_page: Page, screenshot: Shot
) -> None:
    page = adult_page
    page.goto("/")
    page.get_by_role("link", name="Monitoring").click()

    expect(page.get_by_role("heading", name="Monitoring", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Monitoring")).to_have_attribute("aria-current", "page")
    for chart in ("brier", "ece", "roi", "clv"):
        expect(page.locator(f"#{chart}-chart .main-svg").first).to_be_attached()
    expect(page.locator("#brier-chart .scatterlayer .trace")).to_have_count(3)
    expect(page.get_by_test_id("alert-banner")).to_contain_text(re.compile("points"))
    expect(page.get_by_test_id("alerts")).to_contain_text("open")
    expect(page.get_by_test_id("window")).to_contain_text("points")
    expect(page.get_by_test_id("freshness")).to_contain_text("Box scores")
    screenshot(page, "monitoring")
