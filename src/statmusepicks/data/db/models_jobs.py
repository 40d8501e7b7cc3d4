"""The season's job runs: one row per attempt of a job at one slot (its as-of time).

A slot is identified by (job, as_of): the runner skips a slot that already succeeded, so a
replayed or restarted day never runs a job twice, and every failed attempt stays on record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from statmusepicks.data.db.models import Base, BigId


class JobRunRecord(Base):
    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_as_of", "job", "as_of"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(60))
    as_of: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
