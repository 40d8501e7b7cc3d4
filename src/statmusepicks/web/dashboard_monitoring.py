"""The monitoring page's data: stored daily scores as series, the window per stat, alerts,
data freshness and data quality. Everything is read from stored rows; nothing is recomputed
from the prediction log here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from statmusepicks.data.db.models_monitoring import (
    DataQualityDaily,
    ModelDailyMetrics,
    MonitoringAlert,
)
from statmusepicks.evaluation.daily_scores import window_scores
from statmusepicks.services.container import Container
from statmusepicks.services.data_quality import freshness, run_quality
from statmusepicks.services.monitoring import stored_days
from statmusepicks.services.monitoring_alerts import open_alerts
from statmusepicks.services.monitoring_state import window_by_stat

# Game days drawn on the charts, and recent alerts and runs listed.
CHART_DAYS = 60
RECENT = 10
SERIES = ("brier", "market_brier", "model_brier_on_market", "ece", "roi", "clv")
# What the page shows of an alert: every column but the row id.
ALERT_FIELDS = ("rule", "subject", "opened_at", "cleared_at", "value", "threshold", "message")


def daily_series(container: Container, days: int = CHART_DAYS) -> dict[str, list[Any]]:
    """Per stored game day, every stat and version pooled: the chart's x values and series."""
    with container.sessions() as session:
        newest = session.scalar(select(func.max(ModelDailyMetrics.day)))
        rows = [] if newest is None else stored_days(session, newest - dt.timedelta(days), newest)
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_day[row["day"]].append(row)
    pooled = {day: window_scores(day_rows) for day, day_rows in sorted(by_day.items())}
    series: dict[str, list[Any]] = {"days": [day.isoformat() for day in pooled]}
    for name in SERIES:
        series[name] = [scores[name] for scores in pooled.values()]
    return series


def _alert(alert: MonitoringAlert) -> dict[str, Any]:
    return {field: getattr(alert, field) for field in ALERT_FIELDS}


def alerts_view(container: Container) -> dict[str, list[dict[str, Any]]]:
    """Open alerts, and the latest cleared ones."""
    with container.sessions() as session:
        cleared = session.scalars(
            select(MonitoringAlert)
            .where(MonitoringAlert.cleared_at.is_not(None))
            .order_by(MonitoringAlert.cleared_at.desc())
            .limit(RECENT)
        ).all()
        return {
            "open": [_alert(a) for a in open_alerts(session)],
            "cleared": [_alert(a) for a in cleared],
        }


def window_view(container: Container) -> dict[str, dict[str, Any]]:
    """Pooled scores per stat over the settings' window."""
    with container.sessions() as session:
        return window_by_stat(session, container.settings.monitoring_window_days)


def data_view(container: Container, now: dt.datetime) -> dict[str, Any]:
    """Freshness now, stored daily quality of the last week, and the last day's runs."""
    with container.sessions() as session:
        quality = session.scalars(
            select(DataQualityDaily)
            .where(DataQualityDaily.day >= now.date() - dt.timedelta(days=6))
            .order_by(DataQualityDaily.day.desc(), DataQualityDaily.source)
        ).all()
        runs = run_quality(session, now - dt.timedelta(days=1), now)
        return {
            "freshness": freshness(session, now),
            "quality": [
                {
                    "day": row.day,
                    "source": row.source,
                    "runs": row.runs,
                    "failed_runs": row.failed_runs,
                    "rows_expected": row.rows_expected,
                    "rows_received": row.rows_received,
                    "quarantine_rate": row.rows_quarantined / row.rows_received
                    if row.rows_received
                    else None,
                    "missing_rate": row.rows_missing_fields / row.rows_received
                    if row.rows_received
                    else None,
                }
                for row in quality
            ],
            "runs": runs.tail(RECENT).iloc[::-1].to_dict("records"),
        }
