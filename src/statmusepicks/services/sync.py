"""Use cases: the data jobs of a season day (box scores, odds) and the alerts they raise.

Every job takes the moment it runs as `as_of` and reads nothing stamped after it: the NBA sync
asks leaguegamelog for days up to the one before `as_of`, the odds sync prices events starting
around `as_of`. The worker passes the slot's scheduled time, `statmusepicks replay` a time on a
past day, the `ingest` commands the wall clock or `--as-of`. A failed job is retried and
alerted by the runner (`services/season_day.py`); stale data (nothing new for more than a day
in season) is reported by the box-score job and alerted there too.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from statmusepicks.core.logging import get_logger
from statmusepicks.data.clients.breaker import BreakerState, CircuitBreaker
from statmusepicks.data.clients.nba_stats import SOURCE as NBA_SOURCE
from statmusepicks.data.clients.nba_stats import NBAStatsClient
from statmusepicks.data.clients.odds_api import OddsAPIClient
from statmusepicks.data.db.models import Game, PropLine
from statmusepicks.data.ingest.daily import (
    NBASyncReport,
    last_complete_day,
    latest_game_date,
    sync_nba,
)
from statmusepicks.data.ingest.injuries import (
    CsvInjuryProvider,
    InjuryImportReport,
    import_injuries,
)
from statmusepicks.data.ingest.lines_file import LinesImportReport, import_lines_file
from statmusepicks.data.ingest.odds import OddsSyncReport, sync_odds
from statmusepicks.services.cache_invalidation import invalidate_player, invalidate_predictions
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport

log = get_logger(__name__)

# Regular season to the finals, roughly: outside it a quiet week is normal, not an outage.
SEASON_START = (10, 15)
SEASON_END = (6, 30)


class Alerter:
    """Raise an alert: a structured error log, plus a JSON POST to the webhook when set.

    A webhook that is down is logged and ignored: alerting must never fail the job it reports.
    """

    def __init__(
        self,
        webhook_url: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.webhook_url = webhook_url
        self._transport = transport
        self._timeout = timeout

    def alert(self, event: str, message: str, **fields: Any) -> bool:
        """Log and deliver one alert; returns True when the webhook accepted it."""
        log.error(event, alert=True, message=message, **fields)
        if not self.webhook_url:
            return False
        body = {"text": f"[statmusepicks] {message}", "event": event, **fields}
        try:
            with httpx.Client(transport=self._transport, timeout=self._timeout) as client:
                response = client.post(self.webhook_url, json=body)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("alert.webhook_failed", alert_event=event, error=str(exc))
            return False
        return True


def in_season(day: dt.date) -> bool:
    """True from mid-October to the end of June."""
    return (day.month, day.day) >= SEASON_START or (day.month, day.day) <= SEASON_END


def game_days(engine: Engine, first: dt.date, last: dt.date) -> list[dt.date]:
    """Days from `first` to `last` with a game on the schedule or props priced by the books."""
    with engine.connect() as connection:
        found = {
            day
            for model in (Game, PropLine)
            for (day,) in connection.execute(
                select(model.game_date)
                .where(model.game_date >= first, model.game_date <= last)
                .distinct()
            )
        }
    return sorted(
        d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]) for d in found
    )


def stale_message(engine: Engine, as_of: dt.datetime, *, max_age: dt.timedelta) -> str | None:
    """Why the data is stale at `as_of`: a game day whose box scores are more than `max_age`
    overdue (None when none is, or the season is off).

    A game's box score is due the morning after it; a game day at least `max_age` before the
    last complete day with no box score stored since means the syncs bring nothing new. Days
    without a scheduled game or priced props (the All-Star break, Christmas Eve, the days
    before opening night) are not expected to bring any.
    """
    complete = last_complete_day(as_of)
    if not in_season(complete):
        return None
    latest = latest_game_date(engine)
    first = latest + dt.timedelta(days=1) if latest else complete - dt.timedelta(days=30)
    overdue = [
        day
        for day in game_days(engine, first, complete)
        if dt.datetime.combine(day, dt.time()) + max_age <= dt.datetime.combine(complete, dt.time())
    ]
    if not overdue:
        return None
    since = latest.isoformat() if latest else "never"
    return (
        f"no box scores for the games of {overdue[0].isoformat()} (latest stored game: {since}, "
        f"as of {as_of.isoformat()})"
    )


def invalidate_cache(container: Container, player_ids: list[int]) -> None:
    """Drop the cached answers new games make stale.

    The touched players' contexts go one by one; opponent ratings and predictions read the
    league's latest games too, so those prefixes go whole (the morning sync runs when traffic
    is lowest).
    """
    contexts = sum(invalidate_player(container.cache, player_id) for player_id in player_ids)
    opponents = container.cache.delete_prefix("opponent:")
    predictions = invalidate_predictions(container)
    log.info(
        "sync.cache_invalidated",
        players=len(player_ids),
        contexts=contexts,
        opponents=opponents,
        predictions=predictions,
    )


def nba_breaker(container: Container) -> CircuitBreaker:
    """The process's NBA Stats breaker, shared by every sync so failures add up across runs.

    Its cool-down runs on the monotonic clock on purpose: it measures how long the upstream has
    had to recover, which is real elapsed time whatever as-of a job or a replay prices at.
    Opening it raises an alert; while it is open the syncs replay the newest stored answers.
    """

    def build(container: Container) -> CircuitBreaker:
        settings = container.settings
        alerter = Alerter(settings.alert_webhook_url)
        return CircuitBreaker(
            NBA_SOURCE,
            failure_threshold=settings.nba_breaker_failures,
            cooldown_seconds=settings.nba_breaker_cooldown_seconds,
            now=time.monotonic,
            on_open=lambda source, failures: alerter.alert(
                "upstream.circuit_open",
                f"{source} failed {failures} times in a row: serving stored answers",
                source=source,
                failures=failures,
            ),
        )

    return container.service(CircuitBreaker, build)


def ingest_nba(
    container: Container,
    *,
    as_of: dt.datetime,
    since: dt.date | None = None,
    until: dt.date | None = None,
    transport: httpx.BaseTransport | None = None,
) -> NBASyncReport:
    """One NBA sync up to the day before `as_of`, then drop cached answers if games changed."""
    client = NBAStatsClient.from_settings(
        container.settings, transport=transport, breaker=nba_breaker(container)
    )
    try:
        report = sync_nba(container.engine, client, since=since, until=until, as_of=as_of)
    finally:
        client.close()
    if report.players_touched:
        invalidate_cache(container, report.players_touched)
    return report


def ingest_odds(
    container: Container, *, as_of: dt.datetime, transport: httpx.BaseTransport | None = None
) -> OddsSyncReport:
    """One odds sync of the events around `as_of` (needs ODDS_API_KEY)."""
    client = OddsAPIClient.from_settings(container.settings, transport=transport)
    try:
        return sync_odds(container.engine, client, now=as_of)
    finally:
        client.close()


def sync_box_scores(container: Container, as_of: dt.datetime) -> JobReport:
    """Season job: the NBA sync as of the slot, and whether the data has gone stale."""
    report = ingest_nba(container, as_of=as_of)
    max_age = dt.timedelta(hours=container.settings.stale_after_hours)
    stale = stale_message(container.engine, as_of, max_age=max_age)
    if nba_breaker(container).state is not BreakerState.CLOSED:
        stale = "NBA Stats is failing (circuit open): stored answers were replayed" + (
            f"; {stale}" if stale else ""
        )
    log.info(
        "sync.nba_done",
        run_id=report.run_id,
        games_added=report.games_added,
        player_rows_added=report.player_rows_added,
        quarantined=report.quarantined,
    )
    return JobReport(
        job="nba_box_scores",
        as_of=as_of,
        rows=report.player_rows_added + report.team_rows_added,
        details={
            "run_id": report.run_id,
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "games_added": report.games_added,
            "quarantined": report.quarantined,
            "new_players": len(report.new_players),
            "team_changes": len(report.team_changes),
            "stale": stale,
        },
    )


def refresh_features(container: Container, as_of: dt.datetime) -> JobReport:
    """Season job: rebuild the feature store from the stored box scores (reused when unchanged).

    The store holds only what the syncs stored, and every sync stops before its as-of day, so
    the store of a slot never holds a later game.
    """
    from statmusepicks.services.features import build_feature_store

    info = build_feature_store(container)
    log.info("sync.features_refreshed", version=info.version, rows=info.rows, reused=info.reused)
    return JobReport(
        job="feature_store",
        as_of=as_of,
        rows=0 if info.reused else info.rows,
        details={"version": info.version, "max_date": str(info.max_date), "reused": info.reused},
    )


def grade_predictions(container: Container, as_of: dt.datetime) -> JobReport:
    """Season job: settle served predictions of the games before the slot's day."""
    from statmusepicks.services.grading import grade

    report = grade(container, now=as_of)
    log.info(
        "sync.predictions_graded", graded=report.graded, void=report.void, pending=report.pending
    )
    return JobReport(
        job="grade",
        as_of=as_of,
        rows=report.graded + report.void,
        details={"graded": report.graded, "void": report.void, "pending": report.pending},
    )


def import_lines(container: Container, path: Path) -> LinesImportReport:
    """`lines import FILE`."""
    return import_lines_file(container.engine, path)


def import_injury_file(container: Container, path: Path) -> InjuryImportReport:
    """`injuries import FILE` (CSV)."""
    return import_injuries(container.engine, CsvInjuryProvider(path))
