"""The NBA daily sync against a local stats.nba.com (real HTTP on 127.0.0.1, real format).

The games after 2025-11-14 served here are FABRICATED test fixtures (real 2025-11-12/13 box
scores re-dated under fake game ids 00299000NN); the real ones are held out for evaluation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from statmusepicks.cli.main import app
from statmusepicks.core.errors import UpstreamError
from statmusepicks.core.settings import Settings
from statmusepicks.data.clients.nba_stats import NBAStatsClient
from statmusepicks.data.clients.payloads import PayloadStore
from statmusepicks.data.db.models import (
    Game,
    IngestionRun,
    Player,
    PlayerGameStats,
    QuarantinedRow,
)
from statmusepicks.data.db.session import make_engine
from statmusepicks.data.ingest.daily import sync_nba
from statmusepicks.data.ingest.upsert import upsert_frame
from tests.environments import cli_environment, nba_client
from tests.table_counts import BOX_SCORE_TABLES, row_count, row_counts
from tests.upstream_fakes import NBAStatsServer, nba_fixture, running

FIRST_FAKE_DAY = dt.date(2025, 11, 15)
LAST_FAKE_DAY = dt.date(2025, 11, 16)
FAKE_P = nba_fixture("leaguegamelog_P_fabricated.json")["resultSets"][0]
FAKE_T = nba_fixture("leaguegamelog_T_fabricated.json")["resultSets"][0]
FAKE_GAMES = len({row[FAKE_T["headers"].index("GAME_ID")] for row in FAKE_T["rowSet"]})
FAKE_PLAYER_ROWS = len(FAKE_P["rowSet"])
TRADED_PLAYER = 204456  # moved to PHX in the fabricated fixture


@pytest.fixture
def server() -> Iterator[NBAStatsServer]:
    with running(NBAStatsServer()) as local:
        yield local


def client_for(server: NBAStatsServer, tmp_path: Path) -> NBAStatsClient:
    return nba_client(server.base_url, tmp_path / "var")


def runs(engine: Engine) -> list[IngestionRun]:
    with Session(engine) as session:
        return list(session.scalars(select(IngestionRun).order_by(IngestionRun.id)))


def test_a_sync_adds_the_new_games_and_a_second_run_adds_nothing(
    engine: Engine, server: NBAStatsServer, tmp_path: Path
) -> None:
    client = client_for(server, tmp_path)
    real_day = sync_nba(engine, client, since=dt.date(2025, 11, 14), until=dt.date(2025, 11, 14))
    assert real_day.games_added == 9

    # Without --since the sync starts the day after the latest stored game.
    first = sync_nba(engine, client, until=LAST_FAKE_DAY)
    assert first.since == FIRST_FAKE_DAY
    assert first.games_added == FAKE_GAMES == 15
    assert first.player_rows_added == FAKE_PLAYER_ROWS
    assert first.team_rows_added == 2 * FAKE_GAMES
    assert first.quarantined == 0
    assert first.latest_game_date == LAST_FAKE_DAY

    before = row_counts(engine, BOX_SCORE_TABLES)
    second = sync_nba(engine, client, since=FIRST_FAKE_DAY, until=LAST_FAKE_DAY)
    after = row_counts(engine, BOX_SCORE_TABLES)
    assert (second.games_added, second.player_rows_added, second.team_rows_added) == (0, 0, 0)
    assert second.players_touched == []
    assert after == before

    recorded = runs(engine)
    assert [run.status for run in recorded] == ["succeeded"] * 3
    assert recorded[-1].rows_inserted == recorded[-1].rows_updated == 0
    assert len(recorded[1].payload_refs) == 2
    store = PayloadStore(tmp_path / "var" / "raw")
    assert all(store.path_for(digest).exists() for digest in recorded[1].payload_refs)
    assert recorded[1].details["payloads"][0]["endpoint"] == "leaguegamelog"


def test_new_players_are_added_and_traded_players_move(
    engine: Engine, server: NBAStatsServer, tmp_path: Path
) -> None:
    import pandas as pd

    seed = pd.DataFrame(
        [
            {
                "player_id": TRADED_PLAYER,
                "name": "seeded",
                "name_key": "seeded",
                "team_id": 1610612738,
                "team": "BOS",
                "last_game_date": dt.date(2025, 11, 14),
            }
        ]
    )
    upsert_frame(engine, Player.__table__, seed, ("player_id",))  # type: ignore[arg-type]
    report = sync_nba(
        engine, client_for(server, tmp_path), since=FIRST_FAKE_DAY, until=LAST_FAKE_DAY
    )
    assert {"player_id": TRADED_PLAYER, "from": "BOS", "to": "PHX"} in report.team_changes
    assert 9900001 in report.new_players
    assert TRADED_PLAYER not in report.new_players
    with engine.connect() as connection:
        team = connection.execute(
            select(Player.team).where(Player.player_id == TRADED_PLAYER)
        ).scalar_one()
        rookie = connection.execute(
            select(Player.name).where(Player.player_id == 9900001)
        ).scalar_one()
    assert team == "PHX"
    assert rookie == "Fixture Rookie (fabricated)"


def test_a_429_is_waited_out_and_the_sync_succeeds(
    sqlite_engine: Engine, server: NBAStatsServer, tmp_path: Path
) -> None:
    engine = sqlite_engine
    server.failures = [(429, {"Retry-After": "0"})]
    report = sync_nba(
        engine, client_for(server, tmp_path), since=FIRST_FAKE_DAY, until=LAST_FAKE_DAY
    )
    assert report.games_added == FAKE_GAMES
    assert len(server.requests) == 3
    assert runs(engine)[-1].status == "succeeded"


def test_three_server_errors_fail_the_run_clearly_and_store_nothing(
    engine: Engine, server: NBAStatsServer, tmp_path: Path
) -> None:
    server.failures = [(500, {})] * 3
    with pytest.raises(UpstreamError, match="failed after 3 attempts: HTTP 500"):
        sync_nba(engine, client_for(server, tmp_path), since=FIRST_FAKE_DAY, until=LAST_FAKE_DAY)
    failed = runs(engine)[-1]
    assert failed.status == "failed"
    assert failed.finished_at is not None
    assert "leaguegamelog failed after 3 attempts: HTTP 500" in failed.errors[0]
    assert row_count(engine, Game) == 0


def test_bad_rows_are_quarantined_and_the_rest_loaded(
    engine: Engine, server: NBAStatsServer, tmp_path: Path
) -> None:
    headers = server.payloads["P"]["resultSets"][0]["headers"]
    rows = server.payloads["P"]["resultSets"][0]["rowSet"]
    fake = [row for row in rows if str(row[headers.index("GAME_DATE")]) >= "2025-11-15"]
    fake[0][headers.index("PTS")] = "twenty"  # wrong type
    fake[1].pop()  # a cell short
    team_set = server.payloads["T"]["resultSets"][0]
    reb = team_set["headers"].index("REB")
    team_set["headers"].pop(reb)  # a column missing from every team row
    for row in team_set["rowSet"]:
        row.pop(reb)

    report = sync_nba(
        engine, client_for(server, tmp_path), since=FIRST_FAKE_DAY, until=LAST_FAKE_DAY
    )

    assert report.player_rows_added == FAKE_PLAYER_ROWS - 2
    assert report.team_rows_added == 0
    assert report.games_added == FAKE_GAMES  # derived from the player rows that loaded
    assert report.quarantined == 2 + 2 * FAKE_GAMES
    with engine.connect() as connection:
        reasons = [r for (r,) in connection.execute(select(QuarantinedRow.reason)).all()]
    assert any("'pts' is not a valid int" in reason for reason in reasons)
    assert any("row has 31 cells, headers have 32" in reason for reason in reasons)
    assert sum("missing column 'reb'" in reason for reason in reasons) == 2 * FAKE_GAMES
    assert runs(engine)[-1].rows_quarantined == report.quarantined


def test_a_big_night_is_flagged_against_the_players_stored_history(
    loaded_settings: Settings, server: NBAStatsServer, tmp_path: Path
) -> None:
    engine = make_engine(loaded_settings.database_url)
    with engine.connect() as connection:
        regular = (
            connection.execute(
                select(PlayerGameStats.player_id)
                .group_by(PlayerGameStats.player_id)
                .having(func.count() >= 50)
                .having(func.max(PlayerGameStats.pts) < 30)
            )
            .scalars()
            .all()
        )
    headers = server.payloads["P"]["resultSets"][0]["headers"]
    rows = server.payloads["P"]["resultSets"][0]["rowSet"]
    row = next(
        r
        for r in rows
        if r[headers.index("PLAYER_ID")] in set(regular)
        and str(r[headers.index("GAME_DATE")]) >= "2025-11-15"
    )
    for column, value in {
        "FGM": 25,
        "FGA": 30,
        "FG3M": 0,
        "FG3A": 0,
        "FTM": 10,
        "FTA": 10,
        "PTS": 60,
    }.items():
        row[headers.index(column)] = value
    report = sync_nba(
        engine, client_for(server, tmp_path), since=FIRST_FAKE_DAY, until=LAST_FAKE_DAY
    )
    assert report.flagged >= 1
    with engine.connect() as connection:
        flags = connection.execute(
            select(PlayerGameStats.outlier_flags).where(
                PlayerGameStats.player_id == row[headers.index("PLAYER_ID")],
                PlayerGameStats.game_id == row[headers.index("GAME_ID")],
            )
        ).scalar_one()
    engine.dispose()
    assert "pts" in flags


def test_the_cli_ingests_from_the_configured_base_url_and_a_rerun_adds_nothing(
    server: NBAStatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    with cli_environment(
        tmp_path,
        monkeypatch,
        NBA_API_BASE_URL=server.base_url,
        NBA_API_REQUESTS_PER_MINUTE="6000",
    ) as url:
        first = runner.invoke(app, ["ingest", "nba", "--since", "2025-11-15"])
        second = runner.invoke(app, ["ingest", "nba", "--since", "2025-11-15"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "2025-11-15" in first.output
    assert f"│ {FAKE_GAMES} " in first.output.replace("┃", "│")
    assert "latest stored game: 2025-11-16" in first.output
    engine = make_engine(url)
    assert row_count(engine, Game) == FAKE_GAMES
    recorded = runs(engine)
    engine.dispose()
    assert [run.rows_inserted > 0 for run in recorded] == [True, False]
    assert all(r.params["Season"] in {"2025-26", "2026-27"} for r in server.requests)
