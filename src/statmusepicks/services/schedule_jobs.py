"""The season job that reads the league schedule, run early every morning.

`sync_schedule(container, as_of)` stores every game of the season document (NBA.com
`scheduleLeagueV2`, NBA_SCHEDULE_URL) with its status and UTC tip-off, so the next game, rest
days and the board's games are known before tip-off; results after `as_of` are not learnt
(`data/ingest/schedule.py`). Served answers are dropped when a game changed: the next game a
prediction prices, and the cut-off of the injury report that counts, come from the schedule.
"""

from __future__ import annotations

import datetime as dt

from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.core.league_clock import as_utc
from statmusepicks.data.clients.nba_cdn import static_json_client
from statmusepicks.data.ingest.schedule import import_schedule
from statmusepicks.services.cache_invalidation import forget_served_answers
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport

JOB = "schedule"
SOURCE = "nba_schedule"


def sync_schedule(container: Container, as_of: dt.datetime) -> JobReport:
    """Store the league schedule as known at `as_of` (UTC); report what changed."""
    report = JobReport(JOB, as_of)
    url = container.settings.nba_schedule_url
    http = static_json_client(container.settings, url, source=SOURCE)
    try:
        imported = import_schedule(container.engine, http, url, as_utc(as_of))
    except StatMusePicksError as exc:
        report.errors.append(f"{type(exc).__name__}: {exc.message}")
        return report
    finally:
        http.close()
    report.count_import(imported.run_id, imported.table, skipped_not_nba=imported.skipped)
    if report.rows:
        forget_served_answers(container)
    return report
