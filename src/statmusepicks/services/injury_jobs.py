"""The season job that reads the league's injury report, run before every odds snapshot.

`sync_injuries(container, as_of)` stores the newest official report published at or before
`as_of` (`data/ingest/injury_report.py`; nothing stamped later is read), then drops every
served answer that may have read the old report: predictions, boards and player contexts all
count teammates out from it, and state the priced player's own status.
"""

from __future__ import annotations

import datetime as dt

from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.core.league_clock import as_utc
from statmusepicks.data.clients.nba_cdn import static_json_client
from statmusepicks.data.ingest.injuries import import_injuries
from statmusepicks.data.ingest.injury_report import SOURCE, OfficialInjuryReport
from statmusepicks.services.cache_invalidation import forget_served_answers
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport

JOB = "injuries"


def sync_injuries(container: Container, as_of: dt.datetime) -> JobReport:
    """Store the newest official injury report as of `as_of` (UTC); report what changed."""
    report = JobReport(JOB, as_of)
    settings = container.settings
    if not settings.injury_report_url:
        report.details["skipped"] = "INJURY_REPORT_URL is not set (CSV imports only)"
        return report
    http = static_json_client(settings, settings.injury_report_url, source=SOURCE)
    provider = OfficialInjuryReport(
        http,
        settings.injury_report_url,
        lookback=dt.timedelta(hours=settings.injury_report_lookback_hours),
    )
    try:
        imported = import_injuries(container.engine, provider, as_utc(as_of), http.calls)
    except StatMusePicksError as exc:
        report.errors.append(f"{type(exc).__name__}: {exc.message}")
        return report
    finally:
        http.close()
    reported_at = imported.reported_at.isoformat() if imported.reported_at else None
    report.count_import(imported.run_id, imported.table, reported_at=reported_at)
    if report.rows:
        forget_served_answers(container)
    return report
