"""Signals read from text: injury-report notes and team news turned into numbers.

A row says "as of `observed_at`, `source` said `source_text`, which reads as `kind` = `value`".
Features use a signal only for games on days after `observed_at`, so a note can never reach a
game that was played before anyone could read it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Float, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statmusepicks.data.db.models import Base, BigId


class TextSignal(Base):
    __tablename__ = "text_signals"
    __table_args__ = (
        UniqueConstraint(
            "player_id", "kind", "source", "observed_at", name="uq_text_signals_reading"
        ),
        Index("ix_text_signals_player_observed", "player_id", "observed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    player_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    team: Mapped[str | None] = mapped_column(String(3), nullable=True)
    # availability (0 out .. 1 available), minutes_restriction (a minutes cap, or 1 when the
    # note names none), role_change (+1 moves into the starting five, -1 out of it).
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(40))
    source_text: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # "rules" or "llm:<model>": who turned the text into the number.
    extractor: Mapped[str] = mapped_column(String(40))
