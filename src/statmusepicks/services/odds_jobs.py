"""The game-day odds snapshots: each one a new set of `prop_lines` rows, within the quota.

Snapshots run at the configured local times (ODDS_SNAPSHOT_TIMES) and once
ODDS_PRE_TIP_MINUTES before the day's first tip-off (`pre_tip_snapshot`). Each spends at most
its share of the remaining request quota over the snapshots left before the quota resets
(ODDS_QUOTA_RESET_DAY): it prices every event, thins to the soonest ones, or is skipped, and
its report says which and why.
"""

from __future__ import annotations

import datetime as dt
from typing import Unpack
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.core.settings import Settings
from statmusepicks.data.clients.odds_api import OddsAPIClient
from statmusepicks.data.clients.upstream import Wiring
from statmusepicks.data.db.models import Game, PropLine
from statmusepicks.data.ingest.odds import sync_odds
from statmusepicks.data.ingest.odds_budget import snapshots_left
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport

JOB = "odds_snapshot"


def snapshot_budget_slots(settings: Settings, as_of: dt.datetime) -> int:
    """Snapshots from `as_of` until the quota resets, this one included."""
    return snapshots_left(
        as_of,
        slots=settings.odds_snapshot_times,
        extra_per_day=1 if settings.odds_pre_tip_minutes > 0 else 0,
        timezone=settings.sync_timezone,
        reset_day=settings.odds_quota_reset_day,
    )


def pre_tip_snapshot(container: Container, day: dt.date) -> dt.datetime | None:
    """When the pre-tip snapshot of `day` (local date) runs: ODDS_PRE_TIP_MINUTES before the
    day's first tip-off, from the schedule (`games.tipoff_at`) or else the stored odds' event
    times (None when neither knows the day's games)."""
    settings = container.settings
    if settings.odds_pre_tip_minutes <= 0:
        return None
    with container.sessions() as session:
        first = session.scalar(
            select(func.min(Game.tipoff_at)).where(Game.game_date == day)
        ) or session.scalar(
            select(func.min(PropLine.commence_time)).where(PropLine.game_date == day)
        )
    if first is None:
        return None
    tip = first if first.tzinfo else first.replace(tzinfo=dt.UTC)
    return tip - dt.timedelta(minutes=settings.odds_pre_tip_minutes)


def sync_odds_snapshot(
    container: Container,
    as_of: dt.datetime,
    *,
    historical: bool = False,
    **wiring: Unpack[Wiring],
) -> JobReport:
    """Store one odds snapshot as of `as_of` (historical: the API's snapshot at that moment).

    `wiring` (transport, clock, retry...) is what tests and replays inject into the client.
    """
    report = JobReport(job=JOB, as_of=as_of)
    settings = container.settings
    if not settings.odds_api_key:
        report.details["skipped"] = "ODDS_API_KEY is not set"
        return report
    client = OddsAPIClient.from_settings(settings, **wiring)
    try:
        synced = sync_odds(
            container.engine,
            client,
            now=as_of,
            historical=historical,
            snapshots_left=snapshot_budget_slots(settings, as_of),
        )
    except StatMusePicksError as exc:
        report.errors.append(f"odds: {exc.message}")
        return report
    finally:
        client.close()
    report.rows = synced.lines_added
    report.details |= synced.details() | {
        "run_id": synced.run_id,
        "quarantined": synced.quarantined,
        "local_time": as_of.astimezone(ZoneInfo(settings.sync_timezone)).strftime("%H:%M"),
    }
    return report
