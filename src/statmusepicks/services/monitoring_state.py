"""The stored monitoring state as Prometheus gauges, read from the database at scrape time.

Model scores over the trailing window (ending at the newest stored game day, so no clock is
needed), the age of each dataset, the open alerts and each season job's last run. Read from
stored rows, so every API worker and replica reports the same values; a database that cannot
answer turns `statmusepicks_monitoring_up` to 0 instead of failing the scrape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statmusepicks.core.logging import get_logger
from statmusepicks.data.db.models_jobs import JobRunRecord
from statmusepicks.data.db.models_monitoring import ModelDailyMetrics, MonitoringAlert
from statmusepicks.evaluation.daily_scores import window_scores
from statmusepicks.services.container import Container
from statmusepicks.services.data_quality import endpoint_failure_rates, freshness
from statmusepicks.services.monitoring import stored_days

log = get_logger(__name__)
PREFIX = "statmusepicks"
# Window scores exported per stat: (score key, metric name, help).
MODEL_GAUGES = (
    ("brier", "model_brier", "Brier score of P(over) over the window."),
    ("market_brier", "market_brier", "Brier score of the de-vigged market on the same props."),
    ("model_brier_on_market", "model_brier_on_market", "Model Brier on props with a line."),
    ("ece", "model_ece", "Expected calibration error over the window."),
    ("roi", "model_roi", "ROI per unit staked at the taken prices over the window."),
    ("hit_rate", "model_hit_rate", "Share of settled recommendations that won."),
    ("clv", "model_clv", "Mean closing-line value of the window's bets."),
    ("settled", "model_settled", "Predictions settled over or under in the window."),
)


def window_by_stat(session: Session, days: int) -> dict[str, dict[str, Any]]:
    """Pooled scores per stat over the `days` game days ending at the newest stored day."""
    newest = session.scalar(select(func.max(ModelDailyMetrics.day)))
    if newest is None:
        return {}
    rows = stored_days(session, newest - dt.timedelta(days=days - 1), newest)
    stats = sorted({row["stat"] for row in rows})
    return {stat: window_scores([r for r in rows if r["stat"] == stat]) for stat in stats}


def _gauge(name: str, documentation: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, labels=labels)


def _model_families(session: Session, days: int) -> Iterator[Metric]:
    scores = window_by_stat(session, days)
    for key, name, documentation in MODEL_GAUGES:
        family = _gauge(name, documentation, ["stat"])
        for stat, values in scores.items():
            if values[key] is not None:
                family.add_metric([stat], float(values[key]))
        yield family


def _freshness_family(session: Session, now: dt.datetime) -> Metric:
    family = _gauge("data_age_hours", "Hours since the newest data of each dataset.", ["dataset"])
    for item in freshness(session, now):
        if item.age_hours is not None:
            family.add_metric([item.dataset], item.age_hours)
    return family


def _endpoint_families(session: Session, now: dt.datetime) -> Iterator[Metric]:
    labels = ["endpoint"]
    requests = _gauge("upstream_requests", "Upstream requests per endpoint, last 2 days.", labels)
    rate = _gauge(
        "upstream_failure_rate", "Share of failed upstream requests per endpoint.", labels
    )
    for endpoint, (sent, failed) in sorted(endpoint_failure_rates(session, now).items()):
        requests.add_metric([endpoint], float(sent))
        if sent:
            rate.add_metric([endpoint], failed / sent)
    yield requests
    yield rate


def _alert_family(session: Session) -> Metric:
    family = _gauge("alerts_open", "Monitoring alerts open now, by rule.", ["rule"])
    counts = session.execute(
        select(MonitoringAlert.rule, func.count())
        .where(MonitoringAlert.cleared_at.is_(None))
        .group_by(MonitoringAlert.rule)
    ).all()
    for rule, count in counts:
        family.add_metric([rule], float(count))
    return family


def _job_families(session: Session) -> Iterator[Metric]:
    latest = (
        select(JobRunRecord.job, func.max(JobRunRecord.id).label("id"))
        .group_by(JobRunRecord.job)
        .subquery()
    )
    runs = session.scalars(select(JobRunRecord).join(latest, latest.c.id == JobRunRecord.id)).all()
    duration = _gauge("job_last_duration_seconds", "Duration of each job's last run.", ["job"])
    ok = _gauge("job_last_ok", "1 when each job's last run succeeded, else 0.", ["job"])
    for run in runs:
        if run.finished_at is not None:
            duration.add_metric([run.job], (run.finished_at - run.started_at).total_seconds())
        ok.add_metric([run.job], 1.0 if run.status == "succeeded" else 0.0)
    yield duration
    yield ok


class MonitoringCollector:
    """A prometheus_client collector over the container's database."""

    def __init__(self, container: Container, now: Callable[[], dt.datetime]) -> None:
        self.container = container
        self.now = now

    def collect(self) -> Iterator[Metric]:
        """Every gauge, or only `monitoring_up 0` when the database fails."""
        up = _gauge("monitoring_up", "1 when the stored monitoring state could be read.", [])
        try:
            with self.container.sessions() as session:
                families = [
                    *_model_families(session, self.container.settings.monitoring_window_days),
                    _freshness_family(session, self.now()),
                    *_endpoint_families(session, self.now()),
                    _alert_family(session),
                    *_job_families(session),
                ]
        except Exception as exc:  # a scrape must answer even while the database is away
            log.warning("metrics.state_unavailable", error=repr(exc))
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        yield from families
