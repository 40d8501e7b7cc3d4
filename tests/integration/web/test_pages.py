"""Dashboard pages over real HTTP through the ASGI app, on the loaded test database."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from statmusepicks.api.app import create_app
from statmusepicks.services.backtests import BacktestRequest, run_backtest
from statmusepicks.services.container import Container
from statmusepicks.web.access import AGE_COOKIE, KEY_COOKIE

PAGES = ("/", "/player", "/models", "/status", "/responsible-gambling")
HELP = ("1-800-GAMBLER", "National Council on Problem Gambling", "Gamblers Anonymous")


@pytest.fixture
async def client(loaded_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A visitor who already confirmed their age, with the default settings (no key needed)."""
    app = create_app(loaded_container.settings, container=loaded_container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1", cookies={AGE_COOKIE: "21"}
    ) as http:
        yield http


@pytest.fixture
async def keyed_client(loaded_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """The same app with DASHBOARD_REQUIRES_KEY on."""
    settings = loaded_container.settings.model_copy(update={"dashboard_requires_key": True})
    container = Container(
        settings=settings,
        engine=loaded_container.engine,
        sessions=loaded_container.sessions,
        cache=loaded_container.cache,
    )
    app = create_app(settings, container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1", cookies={AGE_COOKIE: "21"}
    ) as http:
        yield http


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_renders_html_with_the_footer_and_no_key(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for resource in HELP:
        assert resource in response.text
    assert "no model guarantees profit" in response.text
    assert 'href="#content"' in response.text


async def test_a_first_visit_is_sent_to_the_age_check_and_comes_back(
    loaded_container: Container,
) -> None:
    app = create_app(loaded_container.settings, container=loaded_container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        first = await http.get("/models")
        assert first.status_code == 303
        assert first.headers["location"] == "/age-check?next=%2Fmodels"
        assert (await http.get("/responsible-gambling")).status_code == 200
        confirmed = await http.post("/age-check", data={"age": "21", "next": "/models"})
        assert confirmed.status_code == 303
        assert confirmed.headers["location"] == "/models"
        assert http.cookies[AGE_COOKIE] == "21"
        assert (await http.get("/models")).status_code == 200


async def test_the_age_check_never_redirects_to_another_site(client: httpx.AsyncClient) -> None:
    response = await client.post("/age-check", data={"age": "18", "next": "https://evil.example/"})
    assert response.headers["location"] == "/"
    refused = await client.post("/age-check", data={"age": "12", "next": "/"})
    assert refused.headers["location"].startswith("/age-check")


async def test_the_board_defaults_to_the_latest_date_with_lines(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert 'value="2025-11-14"' in response.text
    assert '<option value="draftkings"' in response.text


async def test_a_board_date_without_lines_says_so(client: httpx.AsyncClient) -> None:
    response = await client.get("/", params={"date": "2025-07-04"})
    assert response.status_code == 200
    assert "No prop lines" in response.text or "not available" in response.text


async def test_a_malformed_board_filter_is_a_friendly_422_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/", params={"date": "yesterday"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "2025-11-14" in response.text


async def test_the_player_page_shows_form_hit_rates_and_rest(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/player", params={"name": "nikola jokić", "stat": "PTS", "line": "25.5"}
    )
    assert response.status_code == 200
    text = response.text
    assert "Nikola Jokic" in text
    assert "Hit rates over 25.5" in text
    assert "Days of rest" in text
    assert '"line": 25.5' in text


async def test_an_unknown_player_gets_a_friendly_404_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/player", params={"name": "Zzyzx Qwertyuiop"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Player not found" in response.text
    assert "Traceback" not in response.text


async def test_an_ambiguous_name_lists_the_candidates(client: httpx.AsyncClient) -> None:
    response = await client.get("/player", params={"name": "james"})
    assert response.status_code == 409
    assert "LeBron James" in response.text
    assert 'href="/player?name=2544' in response.text


async def test_an_impossible_line_is_a_friendly_422_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/player", params={"name": "Nikola Jokic", "line": "500"})
    assert response.status_code == 422
    assert "between 0 and 80" in response.text


async def test_player_search_suggests_names_without_accents(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/players/search", params={"q": "JOK"})
    assert response.status_code == 200
    players = response.json()["players"]
    assert [p["name"] for p in players] == ["Nikola Jokic"]
    assert players[0]["team"] == "DEN"


async def test_player_search_needs_a_query(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/players/search")
    assert response.status_code == 422
    assert "error" in response.json()


async def test_static_files_are_served_from_the_project(client: httpx.AsyncClient) -> None:
    assert (await client.get("/static/css/app.css")).status_code == 200
    plotly = await client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert "plotly.js" in plotly.text[:200]


async def test_report_files_cannot_escape_their_directory(client: httpx.AsyncClient) -> None:
    response = await client.get("/backtests/example/..%2F..%2Fpyproject.toml")
    assert response.status_code == 404


async def test_a_protected_dashboard_asks_for_a_key(keyed_client: httpx.AsyncClient) -> None:
    response = await keyed_client.get("/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    refused = await keyed_client.post("/login", data={"key": "not-a-key", "next": "/"})
    assert refused.status_code == 401
    assert "unknown or revoked" in refused.text
    forged = await keyed_client.get("/", cookies={KEY_COOKIE: "forged"})
    assert forged.status_code == 303
    assert (await keyed_client.get("/responsible-gambling")).status_code == 200


async def test_a_stored_backtest_is_linked_and_its_report_opens(
    client: httpx.AsyncClient, loaded_container: Container, tmp_path: Path
) -> None:
    run = run_backtest(
        loaded_container,
        BacktestRequest(
            start=dt.date(2025, 11, 12),
            end=dt.date(2025, 11, 14),
            pricer="season_mean",
            source="db",
            output_dir=tmp_path / "backtest",
        ),
    )
    page = await client.get("/models")
    assert f'href="/backtests/{run.id}/report.html"' in page.text
    report = await client.get(f"/backtests/{run.id}/report.html")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert (await client.get(f"/backtests/{run.id}/summary.json")).json()
    assert (await client.get(f"/backtests/{run.id}/nothing.html")).status_code == 404
