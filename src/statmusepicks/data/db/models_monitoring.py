"""Monitoring tables: daily model scores, daily data quality and the alerts they raise.

Daily rows keep sums next to the means (squared errors, per-bin forecast and outcome totals,
stakes and profits), so that a trailing window is aggregated exactly from stored rows instead
of being recomputed from the prediction log on every page view or scrape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statmusepicks.data.db.models import Base, BigId


class ModelDailyMetrics(Base):
    """One game day's graded predictions of one model version, stat and scope."""

    __tablename__ = "model_daily_metrics"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    model_version: Mapped[str] = mapped_column(String(100))
    stat: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(40))
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    predictions: Mapped[int] = mapped_column(Integer)
    graded: Mapped[int] = mapped_column(Integer)
    settled: Mapped[int] = mapped_column(Integer)
    brier: Mapped[float | None] = mapped_column(Float, nullable=True)
    log_loss: Mapped[float | None] = mapped_column(Float, nullable=True)
    ece: Mapped[float | None] = mapped_column(Float, nullable=True)
    reliability: Mapped[list[Any]] = mapped_column()
    bets: Mapped[int] = mapped_column(Integer)
    wins: Mapped[int] = mapped_column(Integer)
    losses: Mapped[int] = mapped_column(Integer)
    hit_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    hit_rate_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    hit_rate_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    profit: Mapped[float] = mapped_column(Float)
    roi: Mapped[float | None] = mapped_column(Float, nullable=True)
    clv: Mapped[float | None] = mapped_column(Float, nullable=True)
    clv_bets: Mapped[int] = mapped_column(Integer)
    market_matched: Mapped[int] = mapped_column(Integer)
    market_brier: Mapped[float | None] = mapped_column(Float, nullable=True)
    model_brier_on_market: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (
        UniqueConstraint(
            "day", "model_version", "stat", "scope", name="uq_model_daily_metrics_key"
        ),
        Index("ix_model_daily_metrics_day", "day"),
    )


class DataQualityDaily(Base):
    """One day's ingestion runs of one source: rows, quarantine, missing fields, failures."""

    __tablename__ = "data_quality_daily"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40))
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    runs: Mapped[int] = mapped_column(Integer)
    failed_runs: Mapped[int] = mapped_column(Integer)
    rows_expected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rows_received: Mapped[int] = mapped_column(Integer)
    rows_quarantined: Mapped[int] = mapped_column(Integer)
    rows_missing_fields: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("day", "source", name="uq_data_quality_daily_key"),)


class MonitoringAlert(Base):
    """A threshold breach: opened once when it starts, cleared when the value recovers."""

    __tablename__ = "monitoring_alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_monitoring_alerts_open", "rule", "subject", "cleared_at"),)
