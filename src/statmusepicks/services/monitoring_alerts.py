"""Use case: compare the stored monitoring rows with the thresholds in settings and keep one
alert per breach: opened (log + webhook + dashboard banner) when it starts, cleared when the
value recovers, never repeated while it lasts.

Each rule yields checks; a check whose value cannot be judged yet (too few settled props, no
run that day, not a game day) leaves its alert as it is, so a quiet day neither raises nor
clears anything.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.models_monitoring import DataQualityDaily, MonitoringAlert
from statmusepicks.data.db.session import session_scope
from statmusepicks.evaluation.daily_scores import window_scores
from statmusepicks.services.container import Container
from statmusepicks.services.data_quality import DAYS_BACK, freshness, is_game_day
from statmusepicks.services.jobs import JobReport
from statmusepicks.services.monitoring import stored_days
from statmusepicks.services.sync import Alerter

log = get_logger(__name__)
JOB = "evaluate_alerts"
ALL = "all"


@dataclass(frozen=True)
class Check:
    """One rule on one subject: the value now, its threshold, and whether it is breached
    (None when the value cannot be judged yet)."""

    rule: str
    subject: str
    value: float | None
    threshold: float
    breached: bool | None
    message: str


def _judged(value: float | None, threshold: float, enough: bool) -> bool | None:
    return None if value is None or not enough else value > threshold


def model_checks(rows: list[dict[str, Any]], settings: Settings) -> Iterator[Check]:
    """Calibration and Brier against the market, per stat, over the stored window."""
    by_stat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_stat[row["stat"]].append(row)
    minimum = settings.monitoring_min_settled
    days = settings.monitoring_window_days
    for stat, stat_rows in sorted(by_stat.items()):
        scores = window_scores(stat_rows)
        ece = scores["ece"]
        yield Check(
            "calibration",
            stat,
            ece,
            settings.alert_max_ece,
            _judged(ece, settings.alert_max_ece, scores["settled"] >= minimum),
            f"{stat}: ECE {ece or 0:.3f} over {days} days is above {settings.alert_max_ece:.2f}",
        )
        model, market = scores["model_brier_on_market"], scores["market_brier"]
        excess = None if model is None or not market else model / market - 1.0
        limit = settings.alert_max_brier_vs_market
        yield Check(
            "brier_vs_market",
            stat,
            excess,
            limit,
            _judged(excess, limit, scores["market_matched"] >= minimum),
            f"{stat}: Brier {model or 0:.4f} is {100 * (excess or 0):.1f} % worse than the "
            f"market's {market or 0:.4f} over {days} days (limit {100 * limit:.0f} %)",
        )


def roi_check(rows: list[dict[str, Any]], settings: Settings) -> Check:
    """ROI of all recommendations negative on each of the last N game days with bets."""
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_day[row["day"]].append(row)
    daily = [window_scores(day_rows)["roi"] for _, day_rows in sorted(by_day.items())]
    recent = [roi for roi in daily if roi is not None][-settings.alert_negative_roi_days :]
    run = len(recent) if all(roi < 0 for roi in recent) else 0
    needed = settings.alert_negative_roi_days
    return Check(
        "negative_roi",
        ALL,
        float(run),
        float(needed - 1),
        None if len(recent) < needed else run >= needed,
        f"ROI at the taken prices was negative on each of the last {needed} game days",
    )


# The per-source shares that may not exceed a limit: check, counted rows, out of, the limit's
# setting, and the wording of the share in per cent.
SOURCE_SHARES = (
    (
        "missing_data",
        "rows_missing_fields",
        "rows_received",
        "alert_max_missing_rate",
        "{:.1f} % of rows miss a field",
    ),
    (
        "upstream_failures",
        "failed_runs",
        "runs",
        "alert_max_upstream_failure_rate",
        "{:.0f} % of runs failed",
    ),
)


def quality_checks(rows: list[DataQualityDaily], settings: Settings) -> Iterator[Check]:
    """Missing fields and upstream failures per source over the last two days' runs."""
    by_source: dict[str, list[DataQualityDaily]] = defaultdict(list)
    for row in rows:
        by_source[row.source].append(row)
    for source, source_rows in sorted(by_source.items()):
        for kind, part, whole, limit_setting, wording in SOURCE_SHARES:
            total = sum(getattr(r, whole) for r in source_rows)
            share = sum(getattr(r, part) for r in source_rows) / total if total else None
            limit = float(getattr(settings, limit_setting))
            yield Check(
                kind,
                source,
                share,
                limit,
                _judged(share, limit, True),
                f"{source}: {wording.format(100 * (share or 0))} (limit {100 * limit:.0f} %)",
            )


def freshness_checks(session: Session, as_of: dt.datetime, settings: Settings) -> Iterator[Check]:
    """Each loaded dataset older than the limit on a game day."""
    game_day = is_game_day(session, as_of.date())
    limit = settings.alert_max_data_age_hours
    for item in freshness(session, as_of):
        stale = None if item.age_hours is None else item.age_hours > limit
        yield Check(
            "stale_data",
            item.dataset,
            item.age_hours,
            limit,
            None if stale is None or (stale and not game_day) else stale,
            f"{item.dataset}: newest data is {item.age_hours or 0:.0f} h old on a game day "
            f"(limit {limit:.0f} h)",
        )


def checks(session: Session, as_of: dt.datetime, settings: Settings) -> list[Check]:
    """Every rule's checks as of `as_of`."""
    today = as_of.date()
    first = today - dt.timedelta(days=settings.monitoring_window_days - 1)
    window = stored_days(session, first, today)
    roi_days = stored_days(
        session, today - dt.timedelta(days=4 * settings.alert_negative_roi_days), today
    )
    quality = session.scalars(
        select(DataQualityDaily).where(
            DataQualityDaily.day > today - dt.timedelta(days=DAYS_BACK),
            DataQualityDaily.day <= today,
        )
    ).all()
    return [
        *model_checks(window, settings),
        roi_check(roi_days, settings),
        *quality_checks(list(quality), settings),
        *freshness_checks(session, as_of, settings),
    ]


def open_alerts(session: Session) -> list[MonitoringAlert]:
    """Alerts not cleared yet, oldest first."""
    return list(
        session.scalars(
            select(MonitoringAlert)
            .where(MonitoringAlert.cleared_at.is_(None))
            .order_by(MonitoringAlert.opened_at, MonitoringAlert.id)
        ).all()
    )


def evaluate_alerts(
    container: Container, as_of: dt.datetime, *, alerter: Alerter | None = None
) -> JobReport:
    """Open an alert for each new breach (delivered once) and clear those that recovered."""
    settings = container.settings
    alerter = alerter or Alerter(settings.alert_webhook_url)
    report = JobReport(job=JOB, as_of=as_of)
    opened: list[Check] = []
    cleared: list[str] = []
    with session_scope(container.sessions) as session:
        current = {(a.rule, a.subject): a for a in open_alerts(session)}
        for check in checks(session, as_of, settings):
            alert = current.get((check.rule, check.subject))
            if check.breached and alert is None:
                session.add(
                    MonitoringAlert(
                        rule=check.rule,
                        subject=check.subject,
                        opened_at=as_of,
                        value=check.value,
                        threshold=check.threshold,
                        message=check.message,
                    )
                )
                opened.append(check)
            elif check.breached and alert is not None:
                alert.value, alert.message = check.value, check.message
            elif check.breached is False and alert is not None:
                session.execute(
                    update(MonitoringAlert)
                    .where(MonitoringAlert.id == alert.id)
                    .values(cleared_at=as_of, value=check.value)
                )
                cleared.append(f"{check.rule}:{check.subject}")
    for check in opened:  # sent once stored: a transaction that failed has sent nothing
        alerter.alert(
            f"monitoring.{check.rule}",
            check.message,
            subject=check.subject,
            value=check.value,
            threshold=check.threshold,
        )
    for name in cleared:
        log.info("monitoring.alert_cleared", alert=name, as_of=as_of.isoformat())
    report.rows = len(opened) + len(cleared)
    report.details = {"opened": [f"{c.rule}:{c.subject}" for c in opened], "cleared": cleared}
    return report
