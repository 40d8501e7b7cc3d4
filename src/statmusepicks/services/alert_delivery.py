"""The prop-alerts job: detect and store the alerts of an odds snapshot, then POST each new
alert to every key whose filters let it through and who set a webhook.

A webhook request carries the alert as JSON and two headers: `X-StatMusePicks-Timestamp` (the
job's as-of time, Unix seconds) and `X-StatMusePicks-Signature: sha256=<hex>`, the HMAC-SHA256
of `<timestamp>.<body>` under the key's webhook secret; a receiver recomputes it over the raw
body (and may refuse old timestamps). One attempt per alert and key, recorded in
`alert_deliveries` with the status or error: a receiver that was down misses the POST but
still finds the alert in `GET /api/alerts` and its feed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import httpx
from sqlalchemy import select

from statmusepicks.data.db.models import ApiKey
from statmusepicks.data.db.models_alerts import AlertDelivery, AlertSubscription, PropAlert
from statmusepicks.data.db.session import session_scope
from statmusepicks.services.alert_subscriptions import Alert, AlertFilters, matches
from statmusepicks.services.alerts import detect_alerts, store_alerts
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport

JOB = "prop_alerts"
SIGNATURE_HEADER = "X-StatMusePicks-Signature"
TIMESTAMP_HEADER = "X-StatMusePicks-Timestamp"
# A receiver that does not answer in this long is given up on; the job has more to send.
WEBHOOK_TIMEOUT_SECONDS = 5.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def _deliver(
    client: httpx.Client, subscription: AlertSubscription, alert: PropAlert, as_of: dt.datetime
) -> AlertDelivery:
    body = json.dumps(Alert.model_validate(alert).model_dump(mode="json")).encode()
    timestamp = str(int(as_of.timestamp()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(subscription.webhook_secret, timestamp, body),
    }
    delivery = AlertDelivery(
        alert_id=alert.id, api_key_id=subscription.api_key_id, delivered_at=as_of
    )
    try:
        response = client.post(str(subscription.webhook_url), content=body, headers=headers)
        delivery.status_code = response.status_code
    except httpx.HTTPError as exc:
        delivery.error = repr(exc)[:500]
    return delivery


def deliver_alerts(
    container: Container,
    alert_ids: list[int],
    as_of: dt.datetime,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, int]:
    """POST the alerts to every matching webhook not yet sent them; counts sent and failed."""
    counts = {"sent": 0, "failed": 0}
    if not alert_ids:
        return counts
    with (
        session_scope(container.sessions) as session,
        httpx.Client(timeout=WEBHOOK_TIMEOUT_SECONDS, transport=transport) as client,
    ):
        alerts = session.scalars(select(PropAlert).where(PropAlert.id.in_(alert_ids))).all()
        hooks = session.scalars(
            select(AlertSubscription)
            .join(ApiKey, ApiKey.id == AlertSubscription.api_key_id)
            .where(AlertSubscription.webhook_url.is_not(None), ApiKey.revoked_at.is_(None))
        ).all()
        done = set(
            session.execute(
                select(AlertDelivery.alert_id, AlertDelivery.api_key_id).where(
                    AlertDelivery.alert_id.in_(alert_ids)
                )
            ).tuples()
        )
        for hook in hooks:
            filters = AlertFilters.model_validate(hook, from_attributes=True)
            for alert in alerts:
                if (alert.id, hook.api_key_id) in done or not matches(filters, alert):
                    continue
                delivery = _deliver(client, hook, alert, as_of)
                ok = delivery.status_code is not None and delivery.status_code < 300
                counts["sent" if ok else "failed"] += 1
                session.add(delivery)
    return counts


def prop_alerts(container: Container, as_of: dt.datetime) -> JobReport:
    """The job after each odds snapshot: new alerts stored and sent."""
    report = JobReport(job=JOB, as_of=as_of)
    drafts, unpriced = detect_alerts(container, as_of)
    new = store_alerts(container, drafts, as_of)
    sent = deliver_alerts(container, new, as_of)
    report.rows = len(new)
    report.details = {"candidates": len(drafts), "new": len(new), "webhooks": sent}
    if unpriced is not None:
        report.details["unpriced"] = unpriced
    return report
