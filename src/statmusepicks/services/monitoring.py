"""Use case: after each grading, record one row of scores per game day, model version, stat
and scope, so pages, /metrics and alerts read stored rows instead of the prediction log.

Only the days whose predictions were served or graded since the last recording are computed
again (a day is replaced whole). Each prop counts once per model version and scope, at the
first price served, as in the track record. The market's Brier is scored on the same props
with each book's newest line captured before the prediction was served, de-vigged and
averaged across books: the price the model was actually up against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Select, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from statmusepicks.data.db.models import Prediction, PropLine
from statmusepicks.data.db.models_market import ClosingValue
from statmusepicks.data.db.models_monitoring import ModelDailyMetrics
from statmusepicks.data.db.session import session_scope
from statmusepicks.evaluation.daily_scores import day_scores
from statmusepicks.evaluation.odds import devig
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport

GROUP = ["model_version", "stat", "model_scope"]
PROP = ["player_id", "stat", "line", "game_date"]
JOB = "record_daily_metrics"


def as_utc(values: pd.Series) -> pd.Series:
    """Timestamps as tz-aware UTC (SQLite hands back naive UTC, PostgreSQL aware values)."""
    return pd.to_datetime(values, utc=True)


def _days_to_record(session: Session, as_of: dt.datetime) -> list[dt.date]:
    """Game days with a prediction served or graded since the last recording (all at first)."""
    last = session.scalar(
        select(func.max(ModelDailyMetrics.computed_at)).where(
            ModelDailyMetrics.computed_at <= as_of
        )
    )
    query = select(Prediction.game_date).distinct().where(Prediction.created_at <= as_of)
    if last is not None:
        query = query.where(
            or_(
                Prediction.created_at > last,
                (Prediction.graded_at > last) & (Prediction.graded_at <= as_of),
            )
        )
    return sorted(session.scalars(query).all())


def _served(session: Session, days: Sequence[dt.date], as_of: dt.datetime) -> pd.DataFrame:
    """The days' predictions as of `as_of`: grades stamped later are not yet known."""
    query: Select[Any] = (
        select(
            Prediction.id,
            Prediction.created_at,
            *(getattr(Prediction, c) for c in (*GROUP, *PROP)),
            Prediction.recommendation,
            Prediction.over_probability,
            Prediction.under_probability,
            Prediction.graded_at,
            Prediction.result,
            Prediction.profit,
            ClosingValue.clv,
        )
        .outerjoin(
            ClosingValue,
            (ClosingValue.prediction_id == Prediction.id) & (ClosingValue.computed_at <= as_of),
        )
        .where(Prediction.game_date.in_(days), Prediction.created_at <= as_of)
        .order_by(Prediction.id)
    )
    frame = pd.read_sql(query, session.connection())
    frame = frame.drop_duplicates([*GROUP, *PROP], keep="first")
    known = as_utc(frame["graded_at"]).le(pd.Timestamp(as_of)).fillna(False)
    frame.loc[~known, ["result", "profit", "clv"]] = None
    frame["created_at"] = as_utc(frame["created_at"])
    frame["p_over"] = frame["over_probability"] / (
        frame["over_probability"] + frame["under_probability"]
    )
    return frame.drop(columns=["graded_at"])


def market_probability(served: pd.DataFrame, lines: pd.DataFrame) -> pd.Series:
    """Per served prediction, the de-vigged P(over) of each book's newest line snapshot at the
    same line captured before it was served, averaged across books (NaN without one)."""
    if served.empty or lines.empty:
        return pd.Series(float("nan"), index=served.index)
    keyed = served[["id", "created_at", *PROP]].merge(
        lines.rename(columns={"market": "stat"}), on=PROP, how="inner"
    )
    keyed = keyed[keyed["captured_at"] <= keyed["created_at"]]
    newest = keyed.sort_values("captured_at").groupby(["id", "bookmaker"]).tail(1)
    newest = newest.assign(fair=devig(newest["over_price"], newest["under_price"]))
    by_id = newest.groupby("id")["fair"].mean()
    return served["id"].map(by_id).astype(float)


def _lines(session: Session, days: Sequence[dt.date], as_of: dt.datetime) -> pd.DataFrame:
    query = select(
        PropLine.player_id,
        PropLine.market,
        PropLine.line,
        PropLine.game_date,
        PropLine.bookmaker,
        PropLine.captured_at,
        PropLine.over_price,
        PropLine.under_price,
    ).where(
        PropLine.game_date.in_(days),
        PropLine.captured_at <= as_of,
        PropLine.player_id.is_not(None),
        PropLine.over_price.is_not(None),
        PropLine.under_price.is_not(None),
    )
    frame = pd.read_sql(query, session.connection())
    frame["captured_at"] = as_utc(frame["captured_at"])
    return frame


def daily_rows(served: pd.DataFrame, as_of: dt.datetime) -> list[dict[str, Any]]:
    """One row of scores per game day, model version, stat and scope."""
    rows = []
    for (day, version, stat, scope), group in served.groupby(["game_date", *GROUP]):
        rows.append(
            {
                "day": day,
                "model_version": version,
                "stat": stat,
                "scope": scope,
                "computed_at": as_of,
                **day_scores(group),
            }
        )
    return rows


def record_daily_metrics(container: Container, as_of: dt.datetime) -> JobReport:
    """Recompute the stored daily scores of every game day touched since the last run."""
    report = JobReport(job=JOB, as_of=as_of)
    with session_scope(container.sessions) as session:
        days = _days_to_record(session, as_of)
        if not days:
            return report
        served = _served(session, days, as_of)
        served["p_market"] = market_probability(served, _lines(session, days, as_of))
        rows = daily_rows(served, as_of)
        session.execute(delete(ModelDailyMetrics).where(ModelDailyMetrics.day.in_(days)))
        if rows:
            session.execute(insert(ModelDailyMetrics), rows)
    report.rows = len(rows)
    report.details = {"days": [day.isoformat() for day in days]}
    return report


def stored_days(session: Session, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Stored daily rows of game days first..last (inclusive), oldest first."""
    rows = session.scalars(
        select(ModelDailyMetrics)
        .where(ModelDailyMetrics.day >= first, ModelDailyMetrics.day <= last)
        .order_by(ModelDailyMetrics.day, ModelDailyMetrics.id)
    ).all()
    columns = ModelDailyMetrics.__table__.columns.keys()
    return [{name: getattr(row, name) for name in columns} for row in rows]
