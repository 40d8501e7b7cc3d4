"""Use case: each API key's alert filters and webhook, and the alerts a key (or a feed) sees.

A key's filters (kinds, minimum edge, stats, players, books; an empty list lets everything
through) are stored with the key in `alert_subscriptions`, with the secret that signs its
webhook and the token of its feed URL (feed readers cannot send an API key).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from sqlalchemy import select

from statmusepicks.core.errors import NotFoundError
from statmusepicks.core.stats import resolve_stat
from statmusepicks.data.db.models import ApiKey
from statmusepicks.data.db.models_alerts import AlertSubscription, PropAlert
from statmusepicks.data.db.session import session_scope
from statmusepicks.services.container import Container

AlertKind = Literal["edge", "line_move", "injury"]
MAX_ALERTS = 200
FEED_PATH = "/alerts/feed/{token}.atom"


class AlertFilters(BaseModel):
    """What a key wants to hear about; an empty list means every value."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[AlertKind] = Field(default_factory=list, max_length=3)
    min_edge: float | None = Field(
        None, ge=0.0, le=1.0, description="Edge alerts below this edge are left out."
    )
    stats: list[str] = Field(default_factory=list, max_length=20)
    players: list[str] = Field(
        default_factory=list, max_length=100, description="Player names (any case)."
    )
    books: list[str] = Field(default_factory=list, max_length=20)


class SubscriptionRequest(AlertFilters):
    """`PUT /api/alerts/subscription`: the filters, and the webhook to POST matching alerts to."""

    webhook_url: AnyHttpUrl | None = Field(None, description="Receives each matching alert.")
    rotate_secret: bool = Field(False, description="Issue a new webhook secret.")


class Subscription(AlertFilters):
    """A key's stored filters, its webhook and how to check the webhook's signature."""

    model_config = ConfigDict(extra="ignore")

    webhook_url: str | None
    webhook_secret: str = Field(
        description="HMAC-SHA256 key of the `X-StatMusePicks-Signature` header (docs/alerts.md)."
    )
    feed_url: str = Field(description="This key's Atom feed (no header needed).")


class Alert(BaseModel):
    """One stored alert."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: AlertKind
    as_of: dt.datetime
    game_date: dt.date
    player_id: int
    player_name: str
    stat: str | None
    book: str | None
    line: float | None
    side: str | None
    edge: float | None
    title: str
    details: dict[str, Any] = Field(
        description="Prices, lines, the model's fair line and `market_past_fair`."
    )


class AlertList(BaseModel):
    """Alerts newest first."""

    count: int
    alerts: list[Alert]


def _document(row: AlertSubscription) -> Subscription:
    return Subscription(
        kinds=row.kinds,
        min_edge=row.min_edge,
        stats=row.stats,
        players=row.players,
        books=row.books,
        webhook_url=row.webhook_url,
        webhook_secret=row.webhook_secret,
        feed_url=FEED_PATH.format(token=row.feed_token),
    )


def get_subscription(container: Container, key_id: int, now: dt.datetime) -> Subscription:
    """The key's subscription (created, letting everything through, on first use)."""
    with session_scope(container.sessions) as session:
        row = session.get(AlertSubscription, key_id)
        if row is None:
            row = _new_subscription(key_id, now)
            session.add(row)
        return _document(row)


def _new_subscription(key_id: int, now: dt.datetime) -> AlertSubscription:
    return AlertSubscription(
        api_key_id=key_id,
        kinds=[],
        stats=[],
        players=[],
        books=[],
        webhook_secret=secrets.token_hex(32),
        feed_token=secrets.token_urlsafe(24),
        updated_at=now,
    )


def set_subscription(
    container: Container, key_id: int, request: SubscriptionRequest, now: dt.datetime
) -> Subscription:
    """Replace the key's filters and webhook."""
    stats = sorted({resolve_stat(s).key for s in request.stats})
    with session_scope(container.sessions) as session:
        row = session.get(AlertSubscription, key_id)
        if row is None:
            row = _new_subscription(key_id, now)
            session.add(row)
        elif request.rotate_secret:
            row.webhook_secret = secrets.token_hex(32)
        row.kinds = list(request.kinds)
        row.min_edge = request.min_edge
        row.stats = stats
        row.players = [p.strip().lower() for p in request.players]
        row.books = [b.strip().lower() for b in request.books]
        row.webhook_url = str(request.webhook_url) if request.webhook_url else None
        row.updated_at = now
        return _document(row)


def matches(filters: AlertFilters, alert: PropAlert) -> bool:
    """Whether a key with `filters` hears about `alert` (a filter on a field the alert does
    not have, such as the book of injury news, lets it through)."""
    below_edge = (
        alert.kind == "edge"
        and filters.min_edge is not None
        and (alert.edge is None or alert.edge < filters.min_edge)
    )
    refused = (
        (filters.kinds and alert.kind not in filters.kinds)
        or below_edge
        or (filters.stats and alert.stat is not None and alert.stat not in filters.stats)
        or (filters.players and alert.player_name.lower() not in filters.players)
        or (filters.books and alert.book is not None and alert.book.lower() not in filters.books)
    )
    return not refused


def recent_alerts(
    container: Container,
    filters: AlertFilters | None,
    *,
    since: dt.datetime | None = None,
    limit: int = 50,
) -> list[PropAlert]:
    """The newest alerts (at most `limit`, stamped after `since`) that `filters` let through."""
    query = select(PropAlert).order_by(PropAlert.as_of.desc(), PropAlert.id.desc())
    if since is not None:
        query = query.where(PropAlert.as_of > since)
    with container.sessions() as session:
        # Filters are read in Python (JSON lists); a bounded window keeps it cheap.
        rows = session.scalars(query.limit(MAX_ALERTS * 5)).all()
    chosen = [row for row in rows if filters is None or matches(filters, row)]
    return chosen[:limit]


def feed_subscription(container: Container, token: str) -> Subscription:
    """The subscription a feed URL's token names (404 when none does, or its key was
    revoked)."""
    with container.sessions() as session:
        row = session.scalar(
            select(AlertSubscription)
            .join(ApiKey, ApiKey.id == AlertSubscription.api_key_id)
            .where(AlertSubscription.feed_token == token, ApiKey.revoked_at.is_(None))
        )
        if row is None:
            raise NotFoundError("No alert feed at this address.")
        return _document(row)
