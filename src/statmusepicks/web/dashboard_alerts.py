"""The alerts page and each key's Atom feed of its alerts.

The page lists the newest alerts (kind and stat chosen in a GET form) behind the dashboard's
access; the feed answers at the unguessable address of a key's subscription
(`/alerts/feed/<token>.atom`, from `GET /api/alerts/subscription`), filtered like its webhook,
because a feed reader cannot send an API key.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from statmusepicks.core.errors import NotFoundError
from statmusepicks.core.stats import STATS
from statmusepicks.services.alert_subscriptions import (
    AlertFilters,
    feed_subscription,
    recent_alerts,
)
from statmusepicks.services.container import Container
from statmusepicks.services.keys import check_key
from statmusepicks.web import access
from statmusepicks.web.rendering import render, templates

router = APIRouter()
KINDS = [("edge", "Edge over the threshold"), ("line_move", "Line move"), ("injury", "Injury news")]
PAGE_ALERTS = 100
FEED_ALERTS = 50


def _atom_time(moment: dt.datetime | None) -> str:
    """RFC 3339 in UTC (stored times without a zone are UTC)."""
    if moment is None:
        moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


@router.get("/alerts", include_in_schema=False, response_model=None)
def alerts_page(
    request: Request,
    container: Annotated[Container, Depends(_container)],
    kind: str | None = Query(None, max_length=20),
    stat: str | None = Query(None, max_length=40),
) -> Response:
    """The newest alerts, optionally of one kind and stat."""
    if (redirect := access.guard(request, container, check_key)) is not None:
        return redirect
    kinds = [kind] if kind in dict(KINDS) else []
    stats = [stat] if stat in STATS else []
    filters = AlertFilters.model_validate({"kinds": kinds, "stats": stats})
    alerts = recent_alerts(container, filters, limit=PAGE_ALERTS)
    return render(
        request,
        "alerts.html",
        {
            "alerts": alerts,
            "kinds": KINDS,
            "stats": [(spec.key, spec.label) for spec in STATS.values()],
            "chosen": {"kind": kinds[0] if kinds else "", "stat": stats[0] if stats else ""},
            "line_move": container.settings.alert_line_move,
        },
    )


@router.get("/alerts/feed/{token}.atom", include_in_schema=False, response_model=None)
def alerts_feed(
    request: Request,
    container: Annotated[Container, Depends(_container)],
    token: Annotated[str, PathParam(min_length=8, max_length=64)],
) -> Response:
    """A key's alerts as an Atom feed (404 for an unknown address)."""
    try:
        subscription = feed_subscription(container, token)
    except NotFoundError:
        return Response(
            "No alert feed at this address.\n", status_code=404, media_type="text/plain"
        )
    alerts = recent_alerts(container, subscription, limit=FEED_ALERTS)
    body = (
        templates()
        .get_template("alerts.atom")
        .render(
            alerts=alerts,
            feed_url=str(request.url),
            site=str(request.base_url).rstrip("/"),
            atom_time=_atom_time,
        )
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")
