"""Nightly drift results: one row per model, checked quantity and night."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from statmusepicks.data.db.models import Base, BigId


class DriftResult(Base):
    """PSI and KS of one feature (or the target, or the residuals) of one model on one night.

    `kind` is 'feature', 'calendar' (set by the date, never counts towards a retrain), 'target'
    or 'residual'; `important` marks the features that count towards the retrain trigger.
    """

    __tablename__ = "drift_results"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    as_of: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    model: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    rows: Mapped[int] = mapped_column(Integer)
    psi: Mapped[float | None] = mapped_column(Float, nullable=True)
    ks: Mapped[float | None] = mapped_column(Float, nullable=True)
    drifted: Mapped[bool] = mapped_column(Boolean)
    important: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_drift_results_as_of_model", "as_of", "model"),)
