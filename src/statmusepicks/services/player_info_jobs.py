"""Use case: read players' positions and bodies from NBA.com (`commonplayerinfo`) and store them.

One request per player (the endpoint has no bulk form), paced by the client's rate limiter, so
a sync asks only about players it has not read yet unless told to refresh. A player NBA.com
does not know, or a failing request, is reported and skipped; the rest are stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import httpx
import pandas as pd

from statmusepicks.core.errors import UpstreamError
from statmusepicks.data.clients.nba_stats import NBAStatsClient
from statmusepicks.data.ingest.player_info import player_info_rows, store_player_info
from statmusepicks.data.repositories.player_info import players_without_info
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport
from statmusepicks.services.sync import nba_breaker

JOB = "player_info"


def sync_player_info(
    container: Container,
    player_ids: Sequence[int],
    *,
    as_of: dt.datetime,
    refresh: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> JobReport:
    """Fetch and store the info of `player_ids` (only those never read, unless `refresh`)."""
    report = JobReport(JOB, as_of)
    with container.sessions() as session:
        wanted = sorted(set(player_ids)) if refresh else players_without_info(session, player_ids)
    client = NBAStatsClient.from_settings(
        container.settings, transport=transport, breaker=nba_breaker(container)
    )
    frames = []
    try:
        for player_id in wanted:
            try:
                frames.append(client.get_player_info(player_id).frame)
            except UpstreamError as exc:
                report.errors.append(f"player {player_id}: {exc.message}")
    finally:
        client.close()
    if frames:
        stored = store_player_info(container.engine, player_info_rows(pd.concat(frames), as_of))
        report.rows = stored.inserted + stored.updated
    report.details["asked"] = len(wanted)
    return report
