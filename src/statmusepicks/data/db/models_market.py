"""Tables of the market side of a season: stack refits and closing-line value of picks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statmusepicks.data.db.models import Base, BigId


class MarketFit(Base):
    """One refit of a stat's calibration and market stack, with the window it was fitted on.

    `weights` holds the logistic stack (intercept, model, market, rows); `calibration` the
    isotonic map's knots (x, y). `model_version` names the models whose probabilities were
    stacked: weights only make sense next to those models, so serving applies a fit only
    while they are the champions.
    """

    __tablename__ = "market_fits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    stat: Mapped[str] = mapped_column(String(20))
    fitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)
    n_lines: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(200))
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    calibration: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    brier_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    brier_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    brier_market: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (UniqueConstraint("stat", "fitted_at", name="uq_market_fits_stat_fitted"),)


class ClosingValue(Base):
    """A graded pick's closing-line value: its taken price against the close of its side.

    `closing_probability` is the side's de-vigged closing probability averaged over the books
    that closed the same line; `clv` = closing_probability x decimal(taken_price) - 1 (the
    pick's expected return valued at the close); `price_clv` = decimal(taken) /
    decimal(closing_price) - 1.
    """

    __tablename__ = "closing_values"

    prediction_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    side: Mapped[str] = mapped_column(String(5))
    taken_price: Mapped[int] = mapped_column(Integer)
    closing_price: Mapped[float] = mapped_column(Float)
    closing_probability: Mapped[float] = mapped_column(Float)
    closing_captured_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    n_books: Mapped[int] = mapped_column(Integer)
    clv: Mapped[float] = mapped_column(Float)
    price_clv: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
