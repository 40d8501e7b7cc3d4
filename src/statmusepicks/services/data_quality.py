"""Use case: data quality per ingestion run and per day, and the freshness of each dataset.

Read from what every load already records: `ingestion_runs` (rows in, quarantined, status and,
when an ingester knows it, `details.rows_expected`), the `quarantine` reasons (a "missing"
reason is a missing field) and the newest timestamps of box-score syncs, prop lines and injury
reports. Daily rows are stored by `record_data_quality`; runs and freshness are read live
because they are a handful of indexed rows.

Besides one row per source (run kind), a day gets one row per upstream endpoint its runs
called (`details.endpoints`, e.g. `nba_stats:leaguegamelog`, `odds_api:event_odds`): there
`runs` counts requests and `failed_runs` the failed ones, so the upstream failure rate (and
its alert) is told per endpoint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from statmusepicks.data.db.models import Game, IngestionRun, Injury, PropLine, QuarantinedRow
from statmusepicks.data.db.models_monitoring import DataQualityDaily
from statmusepicks.data.db.session import session_scope
from statmusepicks.data.ingest import daily
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport
from statmusepicks.services.monitoring import as_utc

JOB = "record_data_quality"
# Reasons the validator gives a value or a column that is absent.
MISSING_REASONS = ("%is missing%", "missing column%")
# Runs that load box scores: the daily sync, and the bundled history at first start.
BOX_SCORE_RUNS = (daily.RUN_KIND, "bundled")
# Days recomputed per run: a run that starts before midnight UTC may finish after it.
DAYS_BACK = 2


@dataclass(frozen=True)
class Freshness:
    """A dataset's newest timestamp as of a moment, and its age then (None: never loaded)."""

    dataset: str
    newest: dt.datetime | None
    age_hours: float | None


def run_quality(session: Session, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """Runs started in [since, until): counts and the rates a page or an alert reads."""
    missing = (
        select(QuarantinedRow.run_id, func.count().label("rows_missing_fields"))
        .where(or_(*(QuarantinedRow.reason.like(pattern) for pattern in MISSING_REASONS)))
        .group_by(QuarantinedRow.run_id)
        .subquery()
    )
    query = (
        select(
            IngestionRun.id,
            IngestionRun.kind,
            IngestionRun.status,
            IngestionRun.started_at,
            IngestionRun.rows_in,
            IngestionRun.rows_quarantined,
            IngestionRun.details,
            func.coalesce(missing.c.rows_missing_fields, 0).label("rows_missing_fields"),
        )
        .outerjoin(missing, missing.c.run_id == IngestionRun.id)
        .where(IngestionRun.started_at >= since, IngestionRun.started_at < until)
        .order_by(IngestionRun.id)
    )
    frame = pd.read_sql(query, session.connection())
    frame["started_at"] = as_utc(frame["started_at"])
    frame["rows_expected"] = [(details or {}).get("rows_expected") for details in frame["details"]]
    frame["endpoints"] = [(details or {}).get("endpoints") or {} for details in frame["details"]]
    frame["failed"] = frame["status"].eq("failed")
    received = frame["rows_in"].where(frame["rows_in"] > 0)
    frame["quarantine_rate"] = frame["rows_quarantined"] / received
    frame["missing_rate"] = frame["rows_missing_fields"] / received
    return frame.drop(columns=["details"])


def endpoint_failure_rates(session: Session, as_of: dt.datetime) -> dict[str, tuple[int, int]]:
    """(requests, failures) per upstream endpoint over the stored days of the alert window
    (the as-of day and the day before)."""
    first = as_of.date() - dt.timedelta(days=DAYS_BACK - 1)
    rows = session.execute(
        select(
            DataQualityDaily.source,
            func.sum(DataQualityDaily.runs),
            func.sum(DataQualityDaily.failed_runs),
        )
        .where(DataQualityDaily.day >= first, DataQualityDaily.day <= as_of.date())
        .group_by(DataQualityDaily.source)
    ).all()
    return {
        source: (int(requests or 0), int(failures or 0))
        for source, requests, failures in rows
        if is_endpoint(source)
    }


def is_endpoint(source: str) -> bool:
    """True for a data-quality row of one upstream endpoint (`<source>:<endpoint>`)."""
    return ":" in source


def endpoint_quality(runs: pd.DataFrame, as_of: dt.datetime) -> list[dict[str, Any]]:
    """One row per UTC day and upstream endpoint: requests (as `runs`) and failures."""
    totals: dict[tuple[dt.date, str], dict[str, int]] = {}
    for started, endpoints in zip(runs["started_at"], runs["endpoints"], strict=True):
        for label, calls in endpoints.items():
            total = totals.setdefault((started.date(), label), {"requests": 0, "failures": 0})
            total["requests"] += int(calls.get("requests", 0))
            total["failures"] += int(calls.get("failures", 0))
    return [
        {
            "day": day,
            "source": label,
            "computed_at": as_of,
            "runs": total["requests"],
            "failed_runs": total["failures"],
            "rows_expected": None,
            "rows_received": 0,
            "rows_quarantined": 0,
            "rows_missing_fields": 0,
        }
        for (day, label), total in sorted(totals.items())
    ]


def daily_quality(runs: pd.DataFrame, as_of: dt.datetime) -> list[dict[str, Any]]:
    """One row per UTC day and source (run kind) from `run_quality`'s frame, then one per day
    and upstream endpoint."""
    rows = []
    days = runs["started_at"].dt.date
    for (day, source), group in runs.groupby([days, "kind"]):
        expected = group["rows_expected"].dropna()
        rows.append(
            {
                "day": day,
                "source": source,
                "computed_at": as_of,
                "runs": len(group),
                "failed_runs": int(group["failed"].sum()),
                "rows_expected": int(expected.sum()) if len(expected) else None,
                "rows_received": int(group["rows_in"].sum()),
                "rows_quarantined": int(group["rows_quarantined"].sum()),
                "rows_missing_fields": int(group["rows_missing_fields"].sum()),
            }
        )
    return rows + endpoint_quality(runs, as_of)


def record_data_quality(container: Container, as_of: dt.datetime) -> JobReport:
    """Store the data quality of the as-of day and the day before, replacing earlier rows."""
    report = JobReport(job=JOB, as_of=as_of)
    first = as_of.date() - dt.timedelta(days=DAYS_BACK - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    with session_scope(container.sessions) as session:
        rows = daily_quality(run_quality(session, since, as_of), as_of)
        session.execute(delete(DataQualityDaily).where(DataQualityDaily.day >= first))
        if rows:
            session.execute(insert(DataQualityDaily), rows)
    report.rows = len(rows)
    return report


def _aware(stamp: dt.datetime) -> dt.datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def freshness(session: Session, as_of: dt.datetime) -> list[Freshness]:
    """Box scores (last successful sync), prop lines (newest snapshot) and injuries (newest
    report), each as known at `as_of`."""
    newest = {
        "box_scores": session.scalar(
            select(func.max(IngestionRun.finished_at)).where(
                IngestionRun.kind.in_(BOX_SCORE_RUNS),
                IngestionRun.status == "succeeded",
                IngestionRun.finished_at <= as_of,
            )
        ),
        "lines": session.scalar(
            select(func.max(PropLine.captured_at)).where(PropLine.captured_at <= as_of)
        ),
        "injuries": session.scalar(
            select(func.max(Injury.reported_at)).where(Injury.reported_at <= as_of)
        ),
    }
    return [
        Freshness(dataset, None, None)
        if stamp is None
        else Freshness(dataset, _aware(stamp), (as_of - _aware(stamp)).total_seconds() / 3600)
        for dataset, stamp in newest.items()
    ]


def is_game_day(session: Session, day: dt.date) -> bool:
    """Games are scheduled (or lines quoted) on `day`: the days stale data costs money."""
    games = session.scalar(select(func.count()).select_from(Game).where(Game.game_date == day))
    lines = session.scalar(
        select(func.count()).select_from(PropLine).where(PropLine.game_date == day)
    )
    return bool(games) or bool(lines)
