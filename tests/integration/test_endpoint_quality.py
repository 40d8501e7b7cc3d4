"""Upstream failures per endpoint: a sync whose leaguegamelog request fails, then one that
succeeds, are stored per endpoint, alert per endpoint, and show on /metrics and the page; the
schedule and injury-report jobs store theirs the same way, a failed fetch included."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select

from statmusepicks.core.errors import UpstreamError
from statmusepicks.core.metrics import exposition
from statmusepicks.core.settings import Settings
from statmusepicks.data.clients.upstream import endpoint_label
from statmusepicks.data.db.models import IngestionRun
from statmusepicks.data.db.models_monitoring import DataQualityDaily
from statmusepicks.data.ingest.daily import sync_nba
from statmusepicks.services.container import Container
from statmusepicks.services.data_quality import record_data_quality
from statmusepicks.services.injury_jobs import sync_injuries
from statmusepicks.services.monitoring_alerts import evaluate_alerts
from statmusepicks.services.monitoring_state import MonitoringCollector
from statmusepicks.services.schedule_jobs import sync_schedule
from statmusepicks.services.sync import Alerter
from statmusepicks.web.dashboard_monitoring import data_view
from tests.environments import memory_container, nba_client
from tests.fakes.league_files import SCHEDULE_PATH, league_files_for, report_record
from tests.upstream_fakes import NBAStatsServer, running

DAY = dt.date(2025, 11, 14)
GAME_LOG = "nba_stats:leaguegamelog"
SCHEDULE = "nba_schedule:scheduleLeagueV2"
INJURY_REPORT = "nba_injury_report:injury_report"
# 13:20 in New York on the fixture day: the report is published at 13:00, after a 13:15 miss.
LEAGUE_AS_OF = dt.datetime(2025, 11, 12, 18, 20, tzinfo=dt.UTC)


@pytest.fixture
def server() -> Iterator[NBAStatsServer]:
    with running(NBAStatsServer()) as local:
        yield local


@pytest.fixture
def container(engine: Engine, settings: Settings) -> Container:
    return memory_container(settings, engine)


def test_endpoint_labels_are_stable_names() -> None:
    assert endpoint_label("leaguegamelog") == "leaguegamelog"
    assert endpoint_label("https://cdn.nba.com/static/json/scheduleLeagueV2.json") == (
        "scheduleLeagueV2"
    )


def test_failures_are_counted_stored_and_alerted_per_endpoint(
    engine: Engine, container: Container, server: NBAStatsServer, tmp_path: Path
) -> None:
    client = nba_client(server.base_url, tmp_path / "var", attempts=2)
    server.failures = [(500, {}), (500, {})]  # both attempts of the first request
    with pytest.raises(UpstreamError):
        sync_nba(engine, client, since=DAY, until=DAY)
    sync_nba(engine, client, since=DAY, until=DAY)
    with container.sessions() as session:
        runs = session.scalars(select(IngestionRun).order_by(IngestionRun.id)).all()
        endpoints = [run.details["endpoints"] for run in runs]
    # The failed run stopped at its first request; the next asked for players and teams.
    assert endpoints == [
        {GAME_LOG: {"requests": 1, "failures": 1}},
        {GAME_LOG: {"requests": 2, "failures": 0}},
    ]

    as_of = max(run.started_at for run in runs).replace(tzinfo=dt.UTC) + dt.timedelta(hours=1)
    record_data_quality(container, as_of)
    with container.sessions() as session:
        rows = {row.source: row for row in session.scalars(select(DataQualityDaily)).all()}
    assert (rows[GAME_LOG].runs, rows[GAME_LOG].failed_runs) == (3, 1)
    assert (rows["nba_daily"].runs, rows["nba_daily"].failed_runs) == (2, 1)

    opened = evaluate_alerts(container, as_of, alerter=Alerter(None)).details["opened"]
    assert f"upstream_failures:{GAME_LOG}" in opened

    scraped = exposition([MonitoringCollector(container, lambda: as_of)]).decode()
    found = {
        (sample.name, sample.labels.get("endpoint")): sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
    }
    assert found[("statmusepicks_upstream_requests", GAME_LOG)] == 3
    assert found[("statmusepicks_upstream_failure_rate", GAME_LOG)] == pytest.approx(1 / 3)

    page = data_view(container, as_of)
    assert any(row["source"] == GAME_LOG for row in page["quality"])


def test_schedule_and_injury_report_requests_are_stored_per_endpoint(
    loaded_container: Container,
) -> None:
    container = loaded_container
    with container.engine.connect() as connection:
        before = connection.scalar(select(func.coalesce(func.max(IngestionRun.id), 0)))
    with league_files_for(container) as files:
        files.publish(
            LEAGUE_AS_OF - dt.timedelta(minutes=20),
            [report_record("Jamal Murray", "Denver Nuggets", "Out")],
        )
        served = container.settings
        # Nothing listens on the discard port: the one attempt fails to connect.
        container.settings = served.model_copy(
            update={
                "nba_schedule_url": "http://127.0.0.1:9" + SCHEDULE_PATH,
                "nba_api_max_retries": 1,
            }
        )
        assert not sync_schedule(container, LEAGUE_AS_OF).ok
        container.settings = served
        assert sync_schedule(container, LEAGUE_AS_OF).ok
        assert sync_injuries(container, LEAGUE_AS_OF).ok
    with container.sessions() as session:
        runs = session.scalars(
            select(IngestionRun).where(IngestionRun.id > before).order_by(IngestionRun.id)
        ).all()
        stored = [(run.kind, run.status, run.details["endpoints"]) for run in runs]
    # A 404 (the missing 13:15 report) is an answer, not a failure.
    assert stored == [
        ("schedule", "failed", {SCHEDULE: {"requests": 1, "failures": 1}}),
        ("schedule", "succeeded", {SCHEDULE: {"requests": 1, "failures": 0}}),
        ("injuries", "succeeded", {INJURY_REPORT: {"requests": 2, "failures": 0}}),
    ]

    as_of = max(run.started_at for run in runs).replace(tzinfo=dt.UTC) + dt.timedelta(hours=1)
    record_data_quality(container, as_of)
    with container.sessions() as session:
        rows = {row.source: row for row in session.scalars(select(DataQualityDaily)).all()}
    assert (rows[SCHEDULE].runs, rows[SCHEDULE].failed_runs) == (2, 1)
    assert (rows[INJURY_REPORT].runs, rows[INJURY_REPORT].failed_runs) == (2, 0)
