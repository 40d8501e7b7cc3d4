"""Static JSON documents the league publishes (the schedule, the injury report's records).

They are files on a CDN, not the rate-guarded stats.nba.com API, so they get a pace of their
own; retries, typed errors and the raw payload audit are the shared upstream client's.
"""

from __future__ import annotations

from typing import Unpack
from urllib.parse import urlsplit

from statmusepicks.core.settings import Settings
from statmusepicks.data.clients.upstream import UpstreamJSONClient, Wiring, upstream_from_settings

# A static file host answers quickly; a few requests in a row (the injury report's walk back
# over missing quarter hours) need no spacing, a steady stream still does.
REQUESTS_PER_MINUTE = 60
BURST = 8
HEADERS = {"Accept": "application/json", "User-Agent": "statmusepicks (+https://www.nba.com/)"}


def static_json_client(
    settings: Settings, url: str, *, source: str, **wiring: Unpack[Wiring]
) -> UpstreamJSONClient:
    """A client for documents on `url`'s host; ask it for absolute URLs (`get_json(url)`)."""
    parts = urlsplit(url)
    return upstream_from_settings(
        settings,
        source=source,
        base_url=f"{parts.scheme}://{parts.netloc}",
        requests_per_minute=REQUESTS_PER_MINUTE,
        burst=BURST,
        headers=HEADERS,
        **wiring,
    )
