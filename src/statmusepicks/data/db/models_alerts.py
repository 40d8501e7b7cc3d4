"""Tables of the prop alerts (migration 0010): the alerts, each key's filters and webhook, and
the webhook deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from statmusepicks.data.db.models import Base, BigId


class PropAlert(Base):
    """One alert: an edge over the threshold, a line move or injury news on a prop.

    `dedup_key` names the prop and the kind of event, `fingerprint` its state (the side and
    price of an edge, the line a book moved to, a player's status): one alert per key until the
    state changes.
    """

    __tablename__ = "prop_alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    dedup_key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(100))
    as_of: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    game_date: Mapped[dt.date] = mapped_column(Date)
    player_id: Mapped[int] = mapped_column(BigInteger)
    player_name: Mapped[str] = mapped_column(String(100))
    stat: Mapped[str | None] = mapped_column(String(20), nullable=True)
    book: Mapped[str | None] = mapped_column(String(40), nullable=True)
    line: Mapped[float | None] = mapped_column(Float, nullable=True)
    side: Mapped[str | None] = mapped_column(String(5), nullable=True)
    edge: Mapped[float | None] = mapped_column(Float, nullable=True)
    title: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        UniqueConstraint("dedup_key", "fingerprint", name="uq_prop_alerts_state"),
        Index("ix_prop_alerts_as_of", "as_of"),
    )


class AlertSubscription(Base):
    """An API key's alert filters (empty lists: everything) and its optional webhook."""

    __tablename__ = "alert_subscriptions"

    api_key_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    min_edge: Mapped[float | None] = mapped_column(Float, nullable=True)
    kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    stats: Mapped[list[Any]] = mapped_column(JSON, default=list)
    players: Mapped[list[Any]] = mapped_column(JSON, default=list)
    books: Mapped[list[Any]] = mapped_column(JSON, default=list)
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Signs the webhook's body; kept in clear because the server must sign with it.
    webhook_secret: Mapped[str] = mapped_column(String(64))
    # The unguessable part of the key's feed URL (a feed reader cannot send a header).
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AlertDelivery(Base):
    """One webhook delivery of an alert to a key: its HTTP status or error."""

    __tablename__ = "alert_deliveries"

    alert_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("prop_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    api_key_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
