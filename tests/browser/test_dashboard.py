"""The dashboard in a real Chromium: age gate, board, player search and chart, live price,
models, friendly errors, phone width and keyboard use. Each test writes a screenshot."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser
Shot = Callable[..., Path]
OVER_FILL, UNDER_FILL = "rgb(31, 138, 76)", "rgb(192, 57, 43)"


def test_first_visit_asks_for_age_then_shows_the_board(page: Page, screenshot: Shot) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/age-check"))
    expect(page.get_by_role("heading", name="Are you old enough to bet?")).to_be_visible()
    expect(page.get_by_role("link", name="1-800-GAMBLER")).to_be_visible()
    screenshot(page, "age-gate")

    page.get_by_role("button", name="I am 21 or older").click()

    expect(page.get_by_role("heading", name=re.compile("Props board"))).to_be_visible()
    expect(page.get_by_label("Date")).to_have_value("2025-11-14")
    screenshot(page, "board", full_page=False)
    page.goto("/status")
    expect(page.get_by_role("heading", name="Data status")).to_be_visible()
    expect(page.get_by_test_id("latest-game")).to_contain_text("14 Nov 2025")
    screenshot(page, "status")


def test_searching_a_player_shows_recent_games_against_the_line(
    adult_page: Page, screenshot: Shot
) -> None:
    page = adult_page
    page.goto("/player")
    search = page.get_by_label("Player", exact=True)
    search.fill("jok")
    expect(page.locator("#player-suggestions option[value='Nikola Jokic']")).to_have_count(1)
    search.fill("nikola jokić")
    page.get_by_role("button", name="Show player").click()

    expect(page.get_by_role("heading", name=re.compile("Nikola Joki[cć]"))).to_be_visible()
    bars = page.locator("#games-chart .bars .point")
    expect(bars).to_have_count(20)
    fills = bars.locator("path").evaluate_all("els => els.map(e => getComputedStyle(e).fill)")
    label = page.locator("#games-chart").get_attribute("aria-label") or ""
    overs, unders = (int(n) for n in re.findall(r"(\d+) (?:over|under)", label))
    assert fills.count(OVER_FILL) == overs
    assert fills.count(UNDER_FILL) == unders
    assert overs + unders > 0
    expect(page.get_by_test_id("trend")).to_contain_text(re.compile("up|down|flat"))
    expect(page.locator("#hits-title")).to_contain_text("Hit rates over")
    screenshot(page, "player")


def test_a_bad_player_name_gets_a_friendly_page(adult_page: Page, screenshot: Shot) -> None:
    page = adult_page
    response = page.goto("/player?name=Zzyzx+Qwertyuiop")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Player not found")).to_be_visible()
    expect(page.get_by_text("Zzyzx Qwertyuiop")).to_be_visible()
    expect(page.get_by_label("Search for a player")).to_be_visible()
    html = page.content()
    assert "Traceback" not in html
    assert '"error"' not in html
    screenshot(page, "player-not-found")


def test_models_page_shows_a_reliability_diagram(adult_page: Page, screenshot: Shot) -> None:
    page = adult_page
    page.goto("/models")
    expect(page.get_by_role("heading", name="Reliability diagram")).to_be_visible()
    chart = page.locator("#reliability-chart")
    expect(chart.locator(".scatterlayer .trace")).to_have_count(2)
    expect(chart).to_contain_text("market (de-vigged lines)")
    screenshot(page, "models")


def test_pages_fit_a_phone_screen(browser: Browser, base_url: str, screenshot: Shot) -> None:
    context = browser.new_context(base_url=base_url, viewport=PHONE)  # type: ignore[arg-type]
    context.add_cookies([{"name": "smp_age_confirmed", "value": "18", "url": base_url}])
    page = context.new_page()
    for path in ("/", "/player?name=Nikola+Jokic", "/models", "/status", "/responsible-gambling"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at phone width"
        if path == "/":
            screenshot(page, "board-phone", full_page=False)
    context.close()


def test_keyboard_users_can_skip_to_content_and_see_focus(adult_page: Page) -> None:
    page = adult_page
    page.goto("/responsible-gambling")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#content$"))
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_entering_a_line_gives_a_live_price(adult_page: Page, screenshot: Shot) -> None:
    page = adult_page
    page.goto("/player?name=Nikola+Jokic&stat=points")
    page.get_by_label("Line", exact=True).fill("27.5")
    page.get_by_label("Over odds").fill("-120")
    page.get_by_label("Under odds").fill("+100")
    page.get_by_role("button", name="Price it").click()

    prediction = page.get_by_test_id("prediction")
    expect(prediction).to_be_visible()
    expect(prediction).to_contain_text(re.compile(r"(OVER|UNDER|PASS)"))
    p_over = float(page.get_by_test_id("p-over").inner_text().rstrip("%"))
    assert 0 < p_over < 100
    expect(prediction).to_contain_text("EV over at -120")
    expect(prediction).to_contain_text("Projects")
    expect(page.locator("#hits-title")).to_contain_text("27.5")
    screenshot(page, "prediction")


def test_filtering_the_board_by_stat_book_and_edge(adult_page: Page, screenshot: Shot) -> None:
    page = adult_page
    page.goto("/")
    rows = page.locator("[data-testid=board-table] tbody tr")
    expect(rows.first).to_be_visible()
    everything = rows.count()
    assert {row.get_attribute("data-stat") for row in rows.all()} > {"points"}

    page.get_by_label("Stat").select_option("points")
    page.get_by_label("Book").select_option("draftkings")
    page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"stat=points&book=draftkings"))
    expect(rows.first).to_be_visible()
    kept = rows.all()
    assert 0 < len(kept) < everything
    assert {row.get_attribute("data-stat") for row in kept} == {"points"}
    books = page.locator("td[data-label='Best over'] .sub").all_inner_texts()
    assert set(books) == {"draftkings"}
    screenshot(page, "board-filtered", full_page=False)

    # Without trained models the market-aware price equals the market: no edge reaches 1 %.
    page.get_by_label("Min edge (%)").fill("1")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("board-empty")).to_contain_text("match these filters")

    page.get_by_label("Date").fill("2025-07-04")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("board-empty")).to_contain_text("No prop lines")
