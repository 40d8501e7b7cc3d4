"""Use case: the morning sync. NBA box scores, then odds, then whatever must follow new data.

Later steps (feature refresh, cache invalidation, grading) are passed in as callbacks that
receive the ids of the players whose games changed, so this module never imports upward.
A failed step is logged as a structured event and POSTed to ALERT_WEBHOOK_URL when set; the
worker retries a failed run later. Stale data (no new game for more than a day in season)
alerts too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from statmusepicks.core.errors import StatMusePicksError, UpstreamError
from statmusepicks.core.logging import get_logger
from statmusepicks.data.clients.nba_stats import NBAStatsClient
from statmusepicks.data.clients.odds_api import OddsAPIClient
from statmusepicks.data.ingest.daily import NBASyncReport, latest_game_date, sync_nba, today_eastern
from statmusepicks.data.ingest.injuries import (
    CsvInjuryProvider,
    InjuryImportReport,
    import_injuries,
)
from statmusepicks.data.ingest.lines_file import LinesImportReport, import_lines_file
from statmusepicks.data.ingest.odds import OddsSyncReport, sync_odds
from statmusepicks.services.container import Container
from statmusepicks.services.context import invalidate_player
from statmusepicks.services.features import build_feature_store
from statmusepicks.services.grading import grade
from statmusepicks.services.predictions import invalidate_predictions

log = get_logger(__name__)

PlayersHook = Callable[[list[int]], None]
# Regular season to the finals, roughly: outside it a quiet week is normal, not an outage.
SEASON_START = (10, 15)
SEASON_END = (6, 30)


class Alerter:
    """Raise an alert: a structured error log, plus a JSON POST to the webhook when set.

    A webhook that is down is logged and ignored: alerting must never fail the sync it reports.
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


@dataclass
class SyncOutcome:
    """What the morning sync did and what went wrong."""

    nba: NBASyncReport | None = None
    odds: OddsSyncReport | None = None
    errors: list[str] = field(default_factory=list)
    stale: bool = False

    @property
    def ok(self) -> bool:
        """True when every step that ran succeeded (staleness is reported, not a failure)."""
        return not self.errors


def in_season(day: dt.date) -> bool:
    """True from mid-October to the end of June."""
    return (day.month, day.day) >= SEASON_START or (day.month, day.day) <= SEASON_END


def stale_message(engine: Engine, today: dt.date, *, max_age: dt.timedelta) -> str | None:
    """Why the data is stale (None when it is fresh or the season is off).

    Games finish by about 01:00 New York time, so at the 06:00 sync yesterday's games should
    be stored: a latest game older than `max_age` before yesterday means nothing new arrived.
    """
    if not in_season(today):
        return None
    latest = latest_game_date(engine)
    if latest is None:
        return "no games are stored at all"
    yesterday = today - dt.timedelta(days=1)
    if dt.datetime.combine(latest, dt.time()) + max_age < dt.datetime.combine(yesterday, dt.time()):
        return f"latest stored game is {latest.isoformat()}, nothing new since (today {today})"
    return None


def run_daily_sync(
    engine: Engine,
    *,
    nba_client: NBAStatsClient,
    odds_client: OddsAPIClient | None,
    alerter: Alerter,
    on_players_touched: Sequence[PlayersHook] = (),
    today: dt.date | None = None,
    stale_after: dt.timedelta = dt.timedelta(hours=24),
) -> SyncOutcome:
    """NBA sync, then odds sync, then the hand-off callbacks; alert on each failure."""
    today = today or today_eastern()
    outcome = SyncOutcome()
    try:
        outcome.nba = sync_nba(engine, nba_client, today=today)
        log.info(
            "sync.nba_done",
            run_id=outcome.nba.run_id,
            games_added=outcome.nba.games_added,
            player_rows_added=outcome.nba.player_rows_added,
            quarantined=outcome.nba.quarantined,
            new_players=len(outcome.nba.new_players),
            team_changes=len(outcome.nba.team_changes),
        )
    except StatMusePicksError as exc:
        outcome.errors.append(f"nba: {exc.message}")
        alerter.alert("sync.nba_failed", f"NBA sync failed: {exc.message}", error=exc.code)
    if odds_client is not None:
        try:
            outcome.odds = sync_odds(engine, odds_client)
            log.info(
                "sync.odds_done", run_id=outcome.odds.run_id, lines_added=outcome.odds.lines_added
            )
        except StatMusePicksError as exc:
            outcome.errors.append(f"odds: {exc.message}")
            alerter.alert("sync.odds_failed", f"Odds sync failed: {exc.message}", error=exc.code)
    touched = outcome.nba.players_touched if outcome.nba else []
    if touched:
        for hook in on_players_touched:
            _run_hook(hook, touched, outcome, alerter)
    reason = stale_message(engine, today, max_age=stale_after)
    if reason:
        outcome.stale = True
        alerter.alert("sync.stale_data", f"Stale data: {reason}", today=today.isoformat())
    return outcome


def _run_hook(
    hook: PlayersHook, touched: list[int], outcome: SyncOutcome, alerter: Alerter
) -> None:
    name = getattr(hook, "__name__", repr(hook))
    try:
        hook(touched)
    except Exception as exc:  # a later step failing must not undo or hide the stored data
        outcome.errors.append(f"{name}: {exc!r}")
        alerter.alert("sync.hook_failed", f"Post-sync step {name} failed: {exc!r}")


def invalidate_cache(container: Container) -> PlayersHook:
    """A hook that drops the cached answers new games make stale.

    The touched players' contexts go one by one; opponent ratings and predictions read the
    league's latest games too, so those prefixes go whole (the 06:00 sync runs when traffic is
    lowest).
    """

    def invalidate_cached_answers(player_ids: list[int]) -> None:
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

    return invalidate_cached_answers


def refresh_features(container: Container) -> PlayersHook:
    """A hook that rebuilds the feature store from the database once new games are stored."""

    def refresh_feature_store(player_ids: list[int]) -> None:
        info = build_feature_store(container)
        log.info(
            "sync.features_refreshed",
            players=len(player_ids),
            version=info.version,
            rows=info.rows,
            max_date=str(info.max_date),
            reused=info.reused,
        )

    return refresh_feature_store


def grade_predictions(container: Container) -> PlayersHook:
    """A hook that settles served predictions now that their box scores may have arrived."""

    def grade_served_predictions(player_ids: list[int]) -> None:
        report = grade(container)
        log.info(
            "sync.predictions_graded",
            players=len(player_ids),
            graded=report.graded,
            void=report.void,
            pending=report.pending,
        )

    return grade_served_predictions


def raise_if_failed(outcome: SyncOutcome) -> None:
    """Turn a failed outcome into an UpstreamError (the CLI's exit status, the worker's retry)."""
    if not outcome.ok:
        raise UpstreamError("; ".join(outcome.errors), details={"errors": outcome.errors})


def ingest_nba(
    container: Container,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    transport: httpx.BaseTransport | None = None,
) -> NBASyncReport:
    """`ingest nba`: one NBA sync over a date range, then drop cached answers if games changed."""
    client = NBAStatsClient.from_settings(container.settings, transport=transport)
    try:
        report = sync_nba(container.engine, client, since=since, until=until)
    finally:
        client.close()
    if report.players_touched:
        invalidate_cache(container)(report.players_touched)
    return report


def ingest_odds(
    container: Container, *, transport: httpx.BaseTransport | None = None
) -> OddsSyncReport:
    """`ingest odds`: one odds sync (needs ODDS_API_KEY)."""
    client = OddsAPIClient.from_settings(container.settings, transport=transport)
    try:
        return sync_odds(container.engine, client)
    finally:
        client.close()


def import_lines(container: Container, path: Path) -> LinesImportReport:
    """`lines import FILE`."""
    return import_lines_file(container.engine, path)


def import_injury_file(container: Container, path: Path) -> InjuryImportReport:
    """`injuries import FILE` (CSV)."""
    return import_injuries(container.engine, CsvInjuryProvider(path))


def daily_sync(
    container: Container,
    *,
    hooks: Sequence[PlayersHook] = (),
    transport: httpx.BaseTransport | None = None,
    today: dt.date | None = None,
) -> SyncOutcome:
    """The worker's job: build the clients from settings and run the whole morning sync."""
    settings = container.settings
    nba_client = NBAStatsClient.from_settings(settings, transport=transport)
    odds_client = (
        OddsAPIClient.from_settings(settings, transport=transport)
        if settings.odds_api_key
        else None
    )
    try:
        return run_daily_sync(
            container.engine,
            nba_client=nba_client,
            odds_client=odds_client,
            alerter=Alerter(settings.alert_webhook_url, transport=transport),
            on_players_touched=[
                invalidate_cache(container),
                refresh_features(container),
                grade_predictions(container),
                *hooks,
            ],
            today=today,
        )
    finally:
        nba_client.close()
        if odds_client is not None:
            odds_client.close()
