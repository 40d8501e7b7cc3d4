"""Dashboard pages over real HTTP through the ASGI app, on the loaded test database."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from statmusepicks.api.app import create_app
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.models import Backtest, ModelRecord
from statmusepicks.models.predictor import Predictor, load_predictor
from statmusepicks.services.container import Container
from statmusepicks.services.keys import create_key
from statmusepicks.services.predictions import PredictionService
from statmusepicks.web import pages
from statmusepicks.web.access import AGE_COOKIE, KEY_COOKIE
from statmusepicks.web.pages import BACKTEST_EXAMPLE
from tests.prediction_rows import plant_predictions, prediction_row

PAGES = ("/", "/player", "/models", "/status", "/responsible-gambling")
HELP = ("1-800-GAMBLER", "National Council on Problem Gambling", "Gamblers Anonymous")


# No MLflow server in tests: the registry falls back to model files on disk at once.
OFFLINE_MLFLOW = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def champions(tmp_path_factory: pytest.TempPathFactory) -> Predictor:
    """The registry's champions (none in a fresh var dir), loaded once for the module."""
    var_dir = tmp_path_factory.mktemp("registry")
    settings = Settings(
        environment="test",
        var_dir=var_dir,
        mlflow_tracking_uri=OFFLINE_MLFLOW,
        _env_file=None,  # type: ignore[call-arg]
    )
    return load_predictor(settings)


def _container(loaded: Container, champions: Predictor, **settings: object) -> Container:
    """The loaded database and the module's champions, with other settings if given."""
    container = Container(
        settings=loaded.settings.model_copy(
            update={"mlflow_tracking_uri": OFFLINE_MLFLOW, **settings}
        ),
        engine=loaded.engine,
        sessions=loaded.sessions,
        cache=loaded.cache,
    )
    container.provide(PredictionService(container, predictor=champions))
    return container


async def _client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container.settings, container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1", cookies={AGE_COOKIE: "21"}
    ) as http:
        yield http


@pytest.fixture
async def client(
    loaded_container: Container, champions: Predictor
) -> AsyncIterator[httpx.AsyncClient]:
    """A visitor who already confirmed their age, with the default settings (no key needed)."""
    async for http in _client(_container(loaded_container, champions)):
        yield http


@pytest.fixture
async def keyed_client(
    loaded_container: Container, champions: Predictor
) -> AsyncIterator[httpx.AsyncClient]:
    """The same app with DASHBOARD_REQUIRES_KEY on."""
    container = _container(loaded_container, champions, dashboard_requires_key=True)
    async for http in _client(container):
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


async def test_the_board_lists_main_lines_unless_asked_for_every_rung(
    client: httpx.AsyncClient,
) -> None:
    main = (await client.get("/")).text.count("<tr data-stat")
    every = (await client.get("/", params={"lines": "all"})).text.count("<tr data-stat")
    assert 0 < main < every


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
    response = await client.get("/players/search", params={"q": "JOK"})
    assert response.status_code == 200
    players = response.json()["players"]
    assert [p["name"] for p in players] == ["Nikola Jokic"]
    assert players[0]["team"] == "DEN"


async def test_player_search_needs_a_query(client: httpx.AsyncClient) -> None:
    response = await client.get("/players/search")
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
    assert (await keyed_client.get("/players/search", params={"q": "jok"})).status_code == 401


async def test_a_valid_key_opens_a_protected_dashboard(
    keyed_client: httpx.AsyncClient, loaded_container: Container
) -> None:
    key = create_key(loaded_container, "dashboard test").key
    by_header = await keyed_client.get("/models", headers={"X-API-Key": key})
    assert by_header.status_code == 200
    accepted = await keyed_client.post("/login", data={"key": key, "next": "/status"})
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/status"
    assert keyed_client.cookies[KEY_COOKIE] == key
    assert (await keyed_client.get("/status")).status_code == 200


async def test_a_stored_backtest_is_linked_and_its_report_opens(
    client: httpx.AsyncClient, loaded_container: Container
) -> None:
    """A stored run (here the docs' example report directory) links to its report."""
    with loaded_container.sessions() as session, session.begin():
        row = Backtest(
            start_date=dt.date(2025, 10, 21),
            end_date=dt.date(2025, 11, 14),
            params={"pricer": "season_mean"},
            summary=json.loads((BACKTEST_EXAMPLE / "summary.json").read_text()),
            output_dir=str(BACKTEST_EXAMPLE),
            synthetic=False,
        )
        session.add(row)
        session.flush()
        backtest_id = row.id

    page = await client.get("/models")
    assert f'href="/backtests/{backtest_id}/report.html"' in page.text
    report = await client.get(f"/backtests/{backtest_id}/report.html")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert (await client.get(f"/backtests/{backtest_id}/summary.json")).json()
    assert (await client.get(f"/backtests/{backtest_id}/nothing.html")).status_code == 404


async def test_the_example_backtest_report_in_the_docs_is_linked_and_served(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/models")
    assert 'href="/backtests/example/report.html"' in page.text
    report = await client.get("/backtests/example/report.html")
    assert report.status_code == 200
    assert "<html" in report.text.lower()


async def test_the_models_page_works_without_the_example_report(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pages, "BACKTEST_EXAMPLE", tmp_path / "absent")
    page = await client.get("/models")
    assert page.status_code == 200
    assert "/backtests/example/report.html" not in page.text
    assert (await client.get("/backtests/example/report.html")).status_code == 404


def test_the_example_report_is_read_from_inside_the_package() -> None:
    assert BACKTEST_EXAMPLE.is_relative_to(Path(pages.__file__).resolve().parent)
    assert (BACKTEST_EXAMPLE / "report.html").is_file()


async def test_champions_are_shown_next_to_baselines_and_the_market(
    client: httpx.AsyncClient, loaded_container: Container
) -> None:
    with loaded_container.sessions() as session, session.begin():
        session.add(
            ModelRecord(
                name="smp-points-global",
                version="3",
                stat="points",
                scope="global",
                alias="champion",
                metrics={
                    "valid_mae": 4.912,
                    "lines_n": 1234.0,
                    "lines_calibrated_brier": 0.2471,
                    "lines_market_brier": 0.2462,
                },
            )
        )
    report = loaded_container.settings.var_dir / "reports" / "training-20251115T000000"
    report.mkdir(parents=True)
    (report / "global_models.csv").write_text(
        "stat,scope,mae_model_same_rows,mae_season_avg,mae_last10,mae_ema\n"
        "points,global,4.9,5.311,5.402,5.287\n"
    )
    models = (await client.get("/models")).text
    for figure in ("4.912", "5.311", "5.402", "5.287", "1,234", "0.2471", "0.2462"):
        assert figure in models
    status = (await client.get("/status")).text
    assert "smp-points-global" in status
    assert "champion" in status


async def test_graded_predictions_make_the_track_record_and_the_model_curve(
    client: httpx.AsyncClient, loaded_container: Container
) -> None:
    graded = [  # (line, recommendation, P(over), result, profit at -110)
        (25.5, "OVER", 0.62, "over", 0.909),
        (26.5, "OVER", 0.58, "under", -1.0),
        (27.5, "UNDER", 0.35, "under", 0.909),
        (28.5, "PASS", 0.51, "over", 0.0),
    ]
    plant_predictions(
        loaded_container.engine,
        [
            prediction_row(
                player_id=203999,
                player_name="Nikola Jokic",
                game_date=dt.date(2025, 11, 12),
                model_version="smp-points-global:1",
                line=line,
                predicted_value=28.0,
                over_probability=p_over,
                under_probability=1 - p_over,
                recommendation=recommendation,
                graded_at=dt.datetime(2025, 11, 13, tzinfo=dt.UTC),
                actual=30.0 if result == "over" else 20.0,
                result=result,
                profit=profit,
            )
            for line, recommendation, p_over, result, profit in graded
        ],
    )
    page = (await client.get("/models")).text
    assert "model (graded predictions)" in page
    assert 'data-testid="track-record"' in page
    # 2 of 3 picks won; ROI (0.909 - 1 + 0.909) / 3 = +27.3 %.
    assert "66.7%" in page
    assert "+27.3%" in page
