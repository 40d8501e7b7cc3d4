"""`/api/alerts`: the prop alerts a key's filters let through, and the key's filters and
webhook (`/api/alerts/subscription`)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from statmusepicks.api.deps import ApiKeyIdDep, ContainerDep
from statmusepicks.api.errors import PROTECTED, error_responses
from statmusepicks.core.errors import AuthenticationError
from statmusepicks.services.alert_subscriptions import (
    MAX_ALERTS,
    Alert,
    AlertList,
    Subscription,
    SubscriptionRequest,
    get_subscription,
    recent_alerts,
    set_subscription,
)
from statmusepicks.services.container import Container

router = APIRouter(prefix="/api", tags=["alerts"])


def _key(key_id: int | None) -> int:
    if key_id is None:
        raise AuthenticationError("Alert filters belong to an API key: send one.")
    return key_id


def _alerts(container: Container, key_id: int, since: dt.datetime | None, limit: int) -> AlertList:
    filters = get_subscription(container, key_id, dt.datetime.now(dt.UTC))
    rows = recent_alerts(container, filters, since=since, limit=limit)
    return AlertList(count=len(rows), alerts=[Alert.model_validate(row) for row in rows])


@router.get(
    "/alerts",
    summary="Prop alerts (edges, line moves, injury news) through this key's filters",
    response_model=AlertList,
    responses=error_responses(*PROTECTED, 422),
)
async def list_alerts(
    container: ContainerDep,
    key_id: ApiKeyIdDep,
    since: dt.datetime | None = Query(None, description="Only alerts stamped after this time."),
    limit: int = Query(50, ge=1, le=MAX_ALERTS),
) -> AlertList:
    """Newest first; each says whether the market already moved past the model's fair line."""
    return await run_in_threadpool(_alerts, container, _key(key_id), since, limit)


@router.get(
    "/alerts/subscription",
    summary="This key's alert filters, webhook, webhook secret and feed URL",
    response_model=Subscription,
    responses=error_responses(*PROTECTED),
)
async def read_subscription(container: ContainerDep, key_id: ApiKeyIdDep) -> Subscription:
    """Created on first use, letting every alert through and without a webhook."""
    now = dt.datetime.now(dt.UTC)
    return await run_in_threadpool(get_subscription, container, _key(key_id), now)


@router.put(
    "/alerts/subscription",
    summary="Set this key's alert filters and webhook",
    response_model=Subscription,
    responses=error_responses(*PROTECTED, 422),
)
async def write_subscription(
    body: SubscriptionRequest, container: ContainerDep, key_id: ApiKeyIdDep
) -> Subscription:
    """Replaces every filter; `rotate_secret` issues a new webhook secret."""
    now = dt.datetime.now(dt.UTC)
    return await run_in_threadpool(set_subscription, container, _key(key_id), body, now)
