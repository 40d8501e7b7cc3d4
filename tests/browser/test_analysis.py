"""The player page's written analysis in a real Chromium: streamed from the local language-model
stand-in chunk by chunk, or written from the numbers when no model is configured."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from statmusepicks.services.container import Container
from tests.servers import serving
from tests.upstream_fakes import LLMServer, running_llm

pytestmark = pytest.mark.browser
Shot = Callable[..., Path]
PRICED = "/player?name=Nikola+Jokic&stat=points&line=27.5&odds_over=-110&odds_under=-110&predict=1"
REASONING = "Jokic cleared 27.5 points in most of his last ten games against a soft defence."
# Records every length the live text takes, so the test can see it grow chunk by chunk.
WATCH_LIVE_TEXT = """
window.liveLengths = [];
document.addEventListener("DOMContentLoaded", () => {
  const live = document.querySelector("[data-testid=analysis-live]");
  if (!live) return;
  new MutationObserver(() => window.liveLengths.push(live.textContent.length))
    .observe(live, {childList: true, characterData: true, subtree: true});
});
"""


def _verdict_chunks() -> list[str]:
    text = json.dumps({"recommendation": "OVER", "confidence": "medium", "reasoning": REASONING})
    return [text[i : i + 16] for i in range(0, len(text), 16)]


@pytest.fixture(scope="module")
def llm_base_url(browser_container: Container, base_url: str) -> Iterator[str]:
    """A second server over the same data whose language model is the local stand-in."""
    slow = LLMServer(chunks=_verdict_chunks(), delay=0.2)
    with running_llm(slow) as fake:
        settings = browser_container.settings.model_copy(
            update={"ollama_url": fake.ollama_url, "ollama_model": "llama3.1:8b"}
        )
        with serving(replace(browser_container, settings=settings)) as url:
            yield url


def _adult_page(browser: Browser, url: str) -> Page:
    context = browser.new_context(base_url=url)
    context.add_cookies([{"name": "smp_age_confirmed", "value": "21", "url": url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def test_the_analysis_streams_in_then_shows_the_verdict(
    browser: Browser, llm_base_url: str, screenshot: Shot
) -> None:
    page = _adult_page(browser, llm_base_url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(WATCH_LIVE_TEXT)
    page.goto(PRICED)

    live = page.get_by_test_id("analysis-live")
    expect(live).to_be_visible()
    expect(live).to_contain_text('"recommendation"')
    expect(page.get_by_test_id("analysis")).to_be_hidden()  # still writing
    screenshot(page, "analysis-streaming", full_page=False)

    final = page.get_by_test_id("analysis")
    expect(final).to_be_visible()
    expect(final).to_contain_text(REASONING)
    expect(final).to_contain_text("language model (llama3.1:8b)")
    expect(final).to_contain_text("Medium confidence")
    expect(final).to_contain_text("/ 100")
    expect(live).to_be_hidden()
    lengths = page.evaluate("window.liveLengths")
    assert len(set(lengths)) >= len(_verdict_chunks()) - 1, lengths
    assert lengths == sorted(lengths)
    screenshot(page, "analysis")
    page.context.close()
    assert not errors, errors


def test_without_a_language_model_the_page_shows_the_numbers_analysis(adult_page: Page) -> None:
    page = adult_page
    page.goto(PRICED)
    final = page.get_by_test_id("analysis")
    expect(final).to_be_visible()
    expect(final).to_contain_text("The model projects")
    expect(final).to_contain_text("the numbers alone")
    expect(final).to_contain_text("nba")
    expect(page.get_by_test_id("analysis-live")).to_be_hidden()
    expect(page.get_by_test_id("analysis-status")).to_have_text("")
