"""The NBA Stats client: real request shape, real response format, retries and typed errors."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from statmusepicks.core.errors import UpstreamError, UpstreamNotFound, UpstreamRateLimited
from statmusepicks.core.settings import Settings
from statmusepicks.data.clients import nba_stats
from statmusepicks.data.clients.nba_stats import NBAStatsClient, parse_result_set
from statmusepicks.data.clients.payloads import PayloadStore
from statmusepicks.data.clients.upstream import RetryPolicy, parse_retry_after
from statmusepicks.data.rate_limit import MemoryRateLimiter
from tests.upstream_fakes import FakeClock, nba_fixture

Handler = Callable[[httpx.Request], httpx.Response]


def make_client(
    handler: Handler, tmp_path: Path, *, clock: FakeClock | None = None, attempts: int = 3
) -> tuple[NBAStatsClient, list[float]]:
    waits: list[float] = []
    settings = Settings(
        environment="test",
        var_dir=tmp_path,
        nba_api_base_url="https://stats.test/stats",
        _env_file=None,  # type: ignore[call-arg]
    )
    client = NBAStatsClient.from_settings(
        settings,
        transport=httpx.MockTransport(handler),
        rate_limiter=MemoryRateLimiter(20, clock=clock or FakeClock()),
        retry=RetryPolicy(attempts=attempts, sleep=waits.append, jitter=0.0),
    )
    return client, waits


def serve(payload: Any, seen: list[httpx.Request] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, json=payload)

    return handler


def test_requests_carry_the_headers_stats_nba_com_requires(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    client, _ = make_client(serve(nba_fixture("leaguegamelog_P_2025-11-14.json"), seen), tmp_path)
    client.get_league_game_log(
        season="2025-26",
        player_or_team="P",
        date_from=dt.date(2025, 11, 14),
        date_to=dt.date(2025, 11, 14),
    )
    request = seen[0]
    assert str(request.url).startswith("https://stats.test/stats/leaguegamelog?")
    assert request.headers["Referer"] == "https://www.nba.com/"
    assert request.headers["Origin"] == "https://www.nba.com"
    assert request.headers["x-nba-stats-origin"] == "stats"
    assert request.headers["x-nba-stats-token"] == "true"
    assert "Mozilla" in request.headers["User-Agent"]
    assert "application/json" in request.headers["Accept"]
    assert request.url.params["PlayerOrTeam"] == "P"
    assert request.url.params["DateFrom"] == "11/14/2025"
    assert request.url.params["DateTo"] == "11/14/2025"
    assert request.url.params["SeasonType"] == "Regular Season"


def test_league_game_log_comes_back_as_a_frame_with_the_exact_upstream_headers(
    tmp_path: Path,
) -> None:
    payload = nba_fixture("leaguegamelog_P_2025-11-14.json")
    client, _ = make_client(serve(payload), tmp_path)
    result = client.get_league_game_log(season="2025-26", player_or_team="P")
    assert list(result.frame.columns) == list(nba_stats.LEAGUE_GAME_LOG_PLAYER)
    assert len(result.frame) == len(payload["resultSets"][0]["rowSet"]) == 190
    assert result.missing_headers == []
    assert result.malformed == []


@pytest.mark.parametrize(
    ("call", "fixture", "name", "headers"),
    [
        (
            lambda c: c.get_player_game_log(1628983, season="2025-26"),
            "playergamelog_1628983_2025-26.json",
            "PlayerGameLog",
            nba_stats.PLAYER_GAME_LOG,
        ),
        (
            lambda c: c.get_player_info(1628983),
            "commonplayerinfo_1628983.json",
            "CommonPlayerInfo",
            nba_stats.COMMON_PLAYER_INFO,
        ),
        (
            lambda c: c.get_all_players(season="2025-26"),
            "commonallplayers_2025-26.json",
            "CommonAllPlayers",
            nba_stats.COMMON_ALL_PLAYERS,
        ),
        (
            lambda c: c.get_season_stats(season="2025-26"),
            "leaguedashplayerstats_2025-26_Base.json",
            "LeagueDashPlayerStats",
            nba_stats.LEAGUE_DASH_PLAYER_BASE,
        ),
        (
            lambda c: c.get_team_stats(season="2025-26", measure_type="Base"),
            "leaguedashteamstats_2025-26_Base.json",
            "LeagueDashTeamStats",
            nba_stats.LEAGUE_DASH_TEAM_BASE,
        ),
        (
            lambda c: c.get_team_stats(season="2025-26", measure_type="Advanced"),
            "leaguedashteamstats_2025-26_Advanced.json",
            "LeagueDashTeamStats",
            nba_stats.LEAGUE_DASH_TEAM_ADVANCED,
        ),
    ],
)
def test_every_operation_parses_its_endpoints_real_format(
    tmp_path: Path, call: Any, fixture: str, name: str, headers: tuple[str, ...]
) -> None:
    client, _ = make_client(serve(nba_fixture(fixture)), tmp_path)
    result = call(client)
    assert result.name == name
    assert list(result.frame.columns) == list(headers)
    assert not result.frame.empty
    assert result.missing_headers == []


def test_advanced_team_stats_carry_ratings_and_pace(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    client, _ = make_client(
        serve(nba_fixture("leaguedashteamstats_2025-26_Advanced.json"), seen), tmp_path
    )
    frame = client.get_team_stats(season="2025-26", measure_type="Advanced").frame
    assert seen[0].url.params["MeasureType"] == "Advanced"
    assert len(frame) == 30
    assert frame["PACE"].between(90, 110).all()
    assert frame["OFF_RATING"].between(95, 130).all()
    assert frame["DEF_RATING"].between(95, 130).all()


def test_an_unknown_player_is_not_found(tmp_path: Path) -> None:
    payload = nba_fixture("commonplayerinfo_1628983.json")
    payload["resultSets"][0]["rowSet"] = []
    client, _ = make_client(serve(payload), tmp_path)
    with pytest.raises(UpstreamNotFound, match="no player 1"):
        client.get_player_info(1)


def test_a_429_is_retried_after_the_time_retry_after_asks(tmp_path: Path) -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json=nba_fixture("leaguegamelog_T_2025-11-14.json")),
        ]
    )
    client, waits = make_client(lambda _request: next(answers), tmp_path)
    result = client.get_league_game_log(season="2025-26", player_or_team="T")
    assert len(result.frame) == 18
    assert waits == [7.0]


def test_three_server_errors_fail_clearly_after_exponential_backoff(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500, text="Internal Server Error")

    client, waits = make_client(handler, tmp_path)
    with pytest.raises(UpstreamError, match="failed after 3 attempts: HTTP 500") as caught:
        client.get_league_game_log(season="2025-26", player_or_team="P")
    assert len(calls) == 3
    assert waits == [1.0, 2.0]
    assert caught.value.details["status"] == 500


def test_timeouts_are_retried(tmp_path: Path) -> None:
    answers: list[Any] = [
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json=nba_fixture("leaguegamelog_T_2025-11-14.json")),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client, waits = make_client(handler, tmp_path)
    assert len(client.get_league_game_log(season="2025-26", player_or_team="T").frame) == 18
    assert len(waits) == 1


def test_endless_429s_raise_rate_limited_with_the_servers_hint(tmp_path: Path) -> None:
    client, _ = make_client(
        lambda _request: httpx.Response(429, headers={"Retry-After": "2"}), tmp_path
    )
    with pytest.raises(UpstreamRateLimited) as caught:
        client.get_all_players(season="2025-26")
    assert caught.value.retry_after == 2.0


def test_a_retry_after_beyond_reason_gives_up_at_once(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": "3600"})

    client, waits = make_client(handler, tmp_path)
    with pytest.raises(UpstreamRateLimited, match="3600"):
        client.get_all_players(season="2025-26")
    assert (len(calls), waits) == (1, [])


def test_a_404_is_not_found_and_not_retried(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(404)

    client, _ = make_client(handler, tmp_path)
    with pytest.raises(UpstreamNotFound):
        client.get_player_game_log(1, season="2025-26")
    assert len(calls) == 1


def test_a_400_names_the_upstream_complaint(tmp_path: Path) -> None:
    client, _ = make_client(
        lambda _request: httpx.Response(400, text="The Season property is required."), tmp_path
    )
    with pytest.raises(UpstreamError, match="Season property is required"):
        client.get_season_stats(season="")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Access Denied</html>", "not JSON"),
        (b"[]", "not an object"),
        (b"{}", "no resultSets"),
        (b'{"resultSets": []}', "no resultSets"),
        (b'{"resultSets": [{"name": "Other", "headers": [], "rowSet": []}]}', "no result set"),
        (b'{"resultSets": [{"name": "LeagueGameLog", "headers": null, "rowSet": []}]}', "header"),
        (b'{"resultSets": [{"name": "LeagueGameLog", "headers": ["A"], "rowSet": 3}]}', "rowSet"),
    ],
)
def test_a_malformed_payload_is_a_clear_upstream_error_never_an_index_error(
    tmp_path: Path, body: bytes, message: str
) -> None:
    client, _ = make_client(lambda _request: httpx.Response(200, content=body), tmp_path)
    with pytest.raises(UpstreamError, match=message):
        client.get_league_game_log(season="2025-26", player_or_team="T")


def test_rows_that_do_not_fit_the_headers_are_set_aside_and_the_rest_kept() -> None:
    payload = nba_fixture("leaguegamelog_T_2025-11-14.json")
    rows = payload["resultSets"][0]["rowSet"]
    rows[0] = rows[0][:-3]
    rows[1] = "not a row"
    frame, malformed = parse_result_set(payload, "LeagueGameLog")
    assert len(frame) == 16
    assert [row.index for row in malformed] == [0, 1]
    assert "26 cells, headers have 29" in malformed[0].reason


def test_the_singular_result_set_envelope_is_accepted_too() -> None:
    payload = nba_fixture("leaguegamelog_T_2025-11-14.json")
    frame, _ = parse_result_set({"resultSet": payload["resultSets"][0]}, "LeagueGameLog")
    assert len(frame) == 18


def test_requests_are_paced_by_the_rate_limiter(tmp_path: Path) -> None:
    clock = FakeClock()
    client, _ = make_client(
        serve(nba_fixture("leaguegamelog_T_2025-11-14.json")), tmp_path, clock=clock
    )
    for _ in range(4):
        client.get_league_game_log(season="2025-26", player_or_team="T")
    assert clock.sleeps == pytest.approx([3.0, 3.0, 3.0])


def test_every_raw_body_is_kept_and_referenced(tmp_path: Path) -> None:
    payload = nba_fixture("leaguegamelog_T_2025-11-14.json")
    client, _ = make_client(serve(payload), tmp_path)
    result = client.get_league_game_log(season="2025-26", player_or_team="T")
    ref = result.payload_ref
    assert ref is not None
    assert (ref.source, ref.endpoint, ref.params["PlayerOrTeam"]) == (
        "nba_stats",
        "leaguegamelog",
        "T",
    )
    stored = json.loads(PayloadStore(tmp_path / "raw").get(ref.sha256))
    assert stored["resultSets"][0]["rowSet"] == payload["resultSets"][0]["rowSet"]


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
