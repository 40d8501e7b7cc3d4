"""Positions synced from NBA.com's commonplayerinfo (replayed through a stand-in fixture) are
stored per player on both databases, refreshed on request, and an unknown id is reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from sqlalchemy import Engine

from statmusepicks.data.repositories.player_info import positions
from statmusepicks.services.player_info_jobs import sync_player_info
from tests.environments import isolated_settings, memory_container
from tests.upstream_fakes import nba_fixture

JOKIC, UNKNOWN = 203999, 1
AS_OF = dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC)


def _transport(asked: list[int]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        player = int(request.url.params["PlayerID"])
        asked.append(player)
        payload = nba_fixture("commonplayerinfo_203999.json")
        if player != JOKIC:
            payload["resultSets"][0]["rowSet"] = []
        return httpx.Response(200, json=payload)

    return httpx.MockTransport(handler)


def test_positions_are_stored_once_and_unknown_players_reported(
    engine: Engine, tmp_path: Path
) -> None:
    settings = isolated_settings(tmp_path, nba_api_base_url="https://stats.test/stats")
    container = memory_container(settings, engine)
    asked: list[int] = []
    report = sync_player_info(container, [JOKIC, UNKNOWN], as_of=AS_OF, transport=_transport(asked))
    assert report.rows == 1
    assert report.details["asked"] == 2
    assert report.errors == [f"player {UNKNOWN}: NBA Stats has no player {UNKNOWN}"]
    with container.sessions() as session:
        assert positions(session, [JOKIC, UNKNOWN]) == {JOKIC: "C"}
    again = sync_player_info(container, [JOKIC], as_of=AS_OF, transport=_transport(asked))
    assert again.details["asked"] == 0
    refreshed = sync_player_info(
        container, [JOKIC], as_of=AS_OF, refresh=True, transport=_transport(asked)
    )
    assert refreshed.details["asked"] == 1
    assert asked == [UNKNOWN, JOKIC, JOKIC]
