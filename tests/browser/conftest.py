"""A real uvicorn server over the loaded test database, driven by Debian's chromium.

One server and one browser serve a whole test module (start-up dominates the suite's time);
each test gets a fresh browser context, so cookies such as the age confirmation never leak.
Module scope, not session: Playwright's sync API keeps an event loop running in the main
thread while it is open, which would break the pytest-asyncio tests collected after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from statmusepicks.services.container import Container
from statmusepicks.services.predictions import prediction_service
from tests.environments import copy_sqlite, isolated_settings, memory_container
from tests.servers import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(reason=f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser_container(
    loaded_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Container]:
    """A private copy of the loaded database (the `loaded_container` data), shared by the suite."""
    root = tmp_path_factory.mktemp("browser")
    settings = isolated_settings(
        root / "var",
        database_url=copy_sqlite(
            Path(loaded_sqlite_url.removeprefix("sqlite:///")), root / "loaded.db"
        ),
        # No MLflow server here: the registry falls back to the model files on disk at once.
        mlflow_tracking_uri="http://127.0.0.1:9",
    )
    container = memory_container(settings, namespace="browser")
    yield container
    container.close()


@pytest.fixture(scope="module")
def base_url(browser_container: Container, chromium_path: Path) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 and an ephemeral port, in a background thread."""
    prediction_service(browser_container).champions.get()  # champions load before any page
    with serving(browser_container) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh desktop-sized page (no cookies) that fails the test on any JavaScript error."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP)  # type: ignore[arg-type]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def adult_page(page: Page, base_url: str) -> Page:
    """A page whose visitor already confirmed being 21 or older."""
    page.context.add_cookies([{"name": "smp_age_confirmed", "value": "21", "url": base_url}])
    return page


def _screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """Writes docs/screenshots/<name>.png (the newest is kept and shown in docs/dashboard.md)."""
    return _screenshot
