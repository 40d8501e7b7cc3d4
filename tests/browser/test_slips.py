"""The slips page in a real Chromium: the best slip from the board, then a slip typed in."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
Shot = Callable[..., Path]


def test_the_best_slip_and_a_slip_of_ones_own(adult_page: Page, screenshot: Shot) -> None:
    page = adult_page
    page.goto("/slips?date=2025-11-11&size=3")
    expect(page.get_by_role("link", name="Slips")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Best 3-leg slip on the board")).to_be_visible()
    expect(page.get_by_test_id("best-legs").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_test_id("best-ev")).to_have_text(re.compile(r"^[+-]?\d+\.\d%$"))
    expect(page.get_by_test_id("best-break-even")).to_have_text("58.5%")
    expect(page.get_by_test_id("best-correlations").locator("tbody tr")).to_have_count(3)

    page.get_by_label("Leg 1 player").fill("Nikola Jokic")
    page.get_by_label("Leg 1 line").fill("26.5")
    page.get_by_label("Leg 2 player").fill("Jaylen Brown")
    page.get_by_label("Leg 2 line").fill("27.5")
    page.get_by_label("Leg 2 side").select_option("under")
    page.get_by_label("Entry").select_option("power")
    page.get_by_role("button", name="Price my slip").click()

    expect(page.get_by_test_id("own-legs").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("own-legs")).to_contain_text("UNDER 27.5 points")
    expect(page.get_by_test_id("own-break-even")).to_have_text("57.7%")
    expect(page.get_by_label("Leg 1 player")).to_have_value("Nikola Jokic")
    screenshot(page, "slips")


def test_a_bad_leg_gets_a_notice_not_an_error_page(adult_page: Page) -> None:
    page = adult_page
    page.goto(
        "/slips?date=2025-11-11&player=Nobody+Atall&stat=points&line=10&side=over"
        "&player=Nikola+Jokic&stat=points&line=26.5&side=over"
    )
    expect(page.get_by_test_id("own-unavailable")).to_contain_text("Leg 1")
    expect(page.get_by_role("heading", name="Best 3-leg slip on the board")).to_be_visible()
