"""The NBA Stats breaker: opens on an outage, replays stored answers, alerts, and recovers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from statmusepicks.core.errors import UpstreamError
from statmusepicks.data.clients.breaker import BreakerState, CircuitBreaker
from statmusepicks.data.db.models import IngestionRun, PlayerGameStats, QuarantinedRow
from statmusepicks.services import sync
from statmusepicks.services.container import Container
from statmusepicks.services.sync import ingest_nba, nba_breaker, sync_box_scores
from tests.environments import isolated_settings, memory_container
from tests.fakes.nba_outage import NBAOutage
from tests.table_counts import row_count
from tests.upstream_fakes import FakeClock

AS_OF = dt.datetime(2025, 11, 17, 11, 0, tzinfo=dt.UTC)
SINCE = dt.date(2025, 11, 14)
COOLDOWN = 300.0


@pytest.fixture
def container(sqlite_engine: Engine, tmp_path: Path) -> Container:
    """One attempt per call and no pacing, so each failure is one request and nothing waits."""
    settings = isolated_settings(
        tmp_path, nba_api_max_retries=1, nba_api_requests_per_minute=60_000
    )
    return memory_container(settings, sqlite_engine)


def _statuses(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(select(IngestionRun.status).order_by(IngestionRun.id)).scalars()
        )


def test_an_outage_opens_the_breaker_and_stored_answers_serve_until_a_probe_succeeds(
    container: Container,
) -> None:
    clock = FakeClock()
    alerts: list[tuple[str, int]] = []
    breaker = CircuitBreaker(
        "nba_stats",
        failure_threshold=3,
        cooldown_seconds=COOLDOWN,
        now=clock.now,
        on_open=lambda source, failures: alerts.append((source, failures)),
    )
    container.provide(breaker)
    nba = NBAOutage()
    engine = container.engine

    def run() -> sync.NBASyncReport:
        return ingest_nba(container, as_of=AS_OF, since=SINCE, transport=nba.transport)

    healthy = run()
    rows = row_count(engine, PlayerGameStats)
    assert healthy.player_rows_added == rows > 0

    for mode in ("5xx", "timeout"):
        nba.mode = mode
        with pytest.raises(UpstreamError):
            run()
        assert breaker.state is BreakerState.CLOSED
    assert alerts == []

    # The third failure in a row is an HTML error page: it opens the breaker, and the sync
    # carries on from the stored answers instead of reading the page as rows.
    nba.mode = "html"
    stale = run()
    assert breaker.state is BreakerState.OPEN
    assert alerts == [("nba_stats", 3)]
    assert stale.quarantined == 0
    assert row_count(engine, QuarantinedRow) == 0
    assert row_count(engine, PlayerGameStats) == rows

    sent = nba.requests
    run()
    assert nba.requests == sent, "an open breaker must not call the failing source"

    nba.mode = "healthy"
    clock.time += COOLDOWN - 1
    run()
    assert nba.requests == sent
    assert breaker.state is BreakerState.OPEN
    clock.time += 1
    run()
    assert breaker.state is BreakerState.CLOSED
    assert nba.requests > sent
    assert row_count(engine, PlayerGameStats) == rows
    assert _statuses(engine).count("failed") == 2
    assert alerts == [("nba_stats", 3)]


def test_a_failed_probe_opens_the_breaker_again_for_a_new_cool_down() -> None:
    clock = FakeClock()
    opened: list[int] = []
    breaker = CircuitBreaker(
        "s",
        failure_threshold=2,
        cooldown_seconds=10,
        now=clock.now,
        on_open=lambda _, n: opened.append(n),
    )
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert not breaker.allow()
    clock.time += 10
    assert breaker.allow()
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow(), "only one probe goes out while half-open"
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert opened == [2, 3]
    clock.time += 9
    assert not breaker.allow()


def test_the_job_reports_stale_data_and_the_process_breaker_alerts(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts: list[str] = []
    monkeypatch.setattr(
        sync.Alerter, "alert", lambda _alerter, event, *_, **__: alerts.append(event)
    )
    # Everything up to the as-of day gets stored now, so the job below asks nothing upstream.
    ingest_nba(container, as_of=AS_OF, since=SINCE, transport=NBAOutage().transport)
    breaker = nba_breaker(container)
    assert breaker is nba_breaker(container)
    assert breaker.failure_threshold == container.settings.nba_breaker_failures
    for _ in range(breaker.failure_threshold):
        breaker.record_failure()
    assert alerts == ["upstream.circuit_open"]

    report = sync_box_scores(container, AS_OF)
    assert str(report.details["stale"]).startswith("NBA Stats is failing (circuit open)")
