"""Tables of the verifiable record: the head of the predictions' hash chain (migration 0009)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from statmusepicks.data.db.models import Base


class RecordChainHead(Base):
    """One row: the chain's last sequence number and chain hash; appenders lock it."""

    __tablename__ = "record_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
