"""What NBA.com says about a player beyond his box scores: position and body, from
`commonplayerinfo`.

One row per player, overwritten on every sync (a position is a current fact, not a history);
`fetched_at` says when it was read. The bundled data holds no positions, so rows exist only for
players a sync has asked NBA.com about.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from statmusepicks.data.db.models import Base


class PlayerInfo(Base):
    __tablename__ = "player_info"

    player_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # NBA.com's text ("Guard", "Forward-Center", ...) and its first listed position as G/F/C.
    position: Mapped[str | None] = mapped_column(String(30), nullable=True)
    primary_position: Mapped[str | None] = mapped_column(String(1), nullable=True, index=True)
    height_inches: Mapped[int | None] = mapped_column(Integer, nullable=True)
    weight_lbs: Mapped[int | None] = mapped_column(Integer, nullable=True)
    birthdate: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    country: Mapped[str | None] = mapped_column(String(60), nullable=True)
    draft_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    team: Mapped[str | None] = mapped_column(String(3), nullable=True)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
