"""Tables of A/B tests between a champion and a challenger, and of promotion decisions.

An experiment prices every prop of its stat with both arms: the served arm is recorded on the
`predictions` row (`arm`, `experiment_id`), the other arm's price goes to `shadow_predictions`,
so the two are compared on the same props. `model_decisions` keeps why a challenger was (or
was not) promoted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from statmusepicks.data.db.models import Base, BigId


class Experiment(Base):
    """One A/B test of a challenger model against the serving champion on one stat."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    stat: Mapped[str] = mapped_column(String(20))
    challenger: Mapped[str] = mapped_column(String(120))
    share: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_experiments_status_stat", "status", "stat"),)


class ShadowPrediction(Base):
    """The price the arm that was not served gave for a served prop."""

    __tablename__ = "shadow_predictions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    experiment_id: Mapped[int] = mapped_column(BigInteger)
    arm: Mapped[str] = mapped_column(String(20))
    player_id: Mapped[int] = mapped_column(BigInteger)
    stat: Mapped[str] = mapped_column(String(20))
    line: Mapped[float] = mapped_column(Float)
    game_date: Mapped[dt.date] = mapped_column(Date)
    predicted_value: Mapped[float] = mapped_column(Float)
    over_probability: Mapped[float] = mapped_column(Float)
    under_probability: Mapped[float] = mapped_column(Float)
    push_probability: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(100))
    api_key_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (Index("ix_shadow_predictions_experiment", "experiment_id", "game_date"),)


class ModelDecision(Base):
    """A promotion decision and the evidence behind it."""

    __tablename__ = "model_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    experiment_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    promoted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
