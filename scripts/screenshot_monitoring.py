"""Screenshots of the monitoring page and of the newest drift report of a database.

Serves the app over the configured database (VAR_DIR / DATABASE_URL, e.g. a replayed
season) and drives Debian's chromium with Playwright as the browser tests do
(tests/browser/conftest.py):

    VAR_DIR=/tmp/season/var REDIS_URL= python scripts/screenshot_monitoring.py

writes docs/screenshots/monitoring-replay.png (the /monitoring page) and
docs/screenshots/drift-report.png (the newest `reports/drift-<day>/report.html` under VAR_DIR).
Run from the repository root (the server helper lives under tests/).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, ViewportSize, sync_playwright
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, SCREENSHOTS
from tests.servers import serve_in_thread

from statmusepicks.api.app import create_app
from statmusepicks.core.settings import get_settings
from statmusepicks.services.container import build_container

DRIFT_VIEWPORT: ViewportSize = {"width": 1440, "height": 1800}


def newest_drift_report(var_dir: Path) -> Path | None:
    """The newest nightly drift page under `var_dir/reports` (named by its day)."""
    pages = sorted(var_dir.glob("reports/drift-*/report.html"))
    return pages[-1] if pages else None


def shoot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A screenshot into docs/screenshots/<name>.png (the whole page, or the first screen)."""
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def main() -> int:
    """Serve the app, take both screenshots, print where they went."""
    settings = get_settings()
    container = build_container(settings)
    drift = newest_drift_report(settings.var_dir)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with (
        serve_in_thread(create_app(settings, container=container)) as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
        # The age check's cookie, as a visitor who confirmed it carries.
        context.add_cookies([{"name": "smp_age_confirmed", "value": "21", "url": url}])
        page = context.new_page()
        page.goto(f"{url}/monitoring")
        page.locator("#brier-chart .main-svg").first.wait_for(state="attached")
        print(shoot(page, "monitoring-replay"))
        if drift is not None:
            # One panel per model, a row per feature: tens of thousands of pixels in full;
            # the first screen holds the worst model's chart and worst features.
            page.set_viewport_size(DRIFT_VIEWPORT)
            page.goto(drift.as_uri())
            print(shoot(page, "drift-report", full_page=False))
        else:
            print(f"no drift report under {settings.var_dir / 'reports'}")
        browser.close()
    container.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
