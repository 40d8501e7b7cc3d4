"""Prometheus scrape endpoint: request, cache, rate-limit and job instruments, plus the stored
model scores, data freshness, open alerts and job runs.

Outside `/api/`, so API keys do not apply: Prometheus scrapes each replica directly on the
internal network and nginx refuses `/metrics` from outside. Where the network is not private,
METRICS_TOKEN makes the endpoint require `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import datetime as dt
import hmac

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from statmusepicks.api.deps import ContainerDep
from statmusepicks.core.errors import AuthenticationError
from statmusepicks.core.metrics import CONTENT_TYPE, exposition
from statmusepicks.services.monitoring_state import MonitoringCollector

router = APIRouter(tags=["monitoring"])


def _wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/metrics", include_in_schema=False, response_class=Response)
async def metrics(request: Request, container: ContainerDep) -> Response:
    """The Prometheus text exposition of this service."""
    token = container.settings.metrics_token
    if token:
        presented = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(presented.encode(), token.encode()):
            raise AuthenticationError("/metrics needs `Authorization: Bearer <METRICS_TOKEN>`.")
    body = await run_in_threadpool(exposition, [MonitoringCollector(container, _wall_clock)])
    return Response(body, media_type=CONTENT_TYPE)
