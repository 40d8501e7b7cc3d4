"""The schedule and injury-report jobs against local stand-ins of the league's files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from statmusepicks.data.db.models import Game, Injury
from statmusepicks.data.repositories import players as repo
from statmusepicks.data.repositories.availability import latest_statuses
from statmusepicks.services.container import Container
from statmusepicks.services.injury_jobs import sync_injuries
from statmusepicks.services.schedule_jobs import sync_schedule
from tests.fakes.league_files import LeagueFiles, league_files_for, report_record, stamp

NEW_YORK = ZoneInfo("America/New_York")
JOKIC, MURRAY = 203999, 1627750


def at(hour: int, minute: int = 0, day: int = 12) -> dt.datetime:
    """A New York time of November 2025, in UTC."""
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=NEW_YORK).astimezone(dt.UTC)


@pytest.fixture
def files(loaded_container: Container) -> Iterator[LeagueFiles]:
    with league_files_for(loaded_container) as served:
        yield served


def _game(container: Container, game_id: str) -> Game:
    with container.sessions() as session:
        game = session.get(Game, game_id)
        assert game is not None
        session.expunge(game)
        return game


def test_the_schedule_stores_status_and_tipoff_keeps_points_and_reruns_change_nothing(
    loaded_container: Container, files: LeagueFiles
) -> None:
    as_of = dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC)
    first = sync_schedule(loaded_container, as_of)
    assert first.ok, first.errors
    assert first.rows > 0
    assert first.details["skipped_not_nba"] == 2
    played = _game(loaded_container, "0022500224")
    assert (played.status, played.home_pts, played.away_pts) == ("final", 116, 130)
    assert played.tipoff_at is not None
    assert played.tipoff_at.replace(tzinfo=dt.UTC) == dt.datetime(
        2025, 11, 13, 3, 30, tzinfo=dt.UTC
    )
    upcoming = _game(loaded_container, "0022500254")
    assert (upcoming.status, upcoming.home_team, upcoming.away_team) == ("scheduled", "DEN", "MIN")
    assert upcoming.home_pts is None
    assert _game(loaded_container, "0022500251").status == "postponed"

    again = sync_schedule(loaded_container, as_of)
    assert again.ok
    assert again.rows == 0
    with loaded_container.sessions() as session:
        den = repo.next_game(session, "DEN", dt.date(2025, 11, 15))
        bos = repo.next_game(session, "BOS", dt.date(2025, 11, 15))
    assert den is not None
    assert (den.game_id, den.opp, den.is_home) == ("0022500254", "MIN", True)
    # The postponed game of the 16th is not BOS's next game.
    assert bos is not None
    assert bos.game_id == "0022500262"


def test_the_schedule_learns_no_result_before_tip_off(
    loaded_container: Container, files: LeagueFiles
) -> None:
    assert sync_schedule(loaded_container, at(12, day=14)).ok
    assert _game(loaded_container, "0022500045").status == "scheduled"
    later = sync_schedule(loaded_container, at(12, day=15))
    assert later.rows > 0
    assert _game(loaded_container, "0022500045").status == "final"


def test_an_unreachable_schedule_is_a_failed_job_not_an_exception(
    loaded_container: Container, files: LeagueFiles
) -> None:
    loaded_container.settings = loaded_container.settings.model_copy(
        update={"nba_schedule_url": files.base_url + "/static/json/staticData/missing.json"}
    )
    report = sync_schedule(loaded_container, at(12))
    assert not report.ok
    assert "UpstreamNotFound" in report.errors[0]


def _statuses(container: Container, cutoff: dt.datetime) -> dict[int, str]:
    with container.sessions() as session:
        found = latest_statuses(session, [JOKIC, MURRAY], cutoff)
    return {pid: status.status for pid, status in found.items()}


def test_only_reports_published_by_the_as_of_are_read_and_reruns_change_nothing(
    loaded_container: Container, files: LeagueFiles
) -> None:
    files.publish(
        at(13),
        [
            report_record("Jamal Murray", "Denver Nuggets", "Out"),
            report_record("Nikola Jokic", "Denver Nuggets", "Questionable"),
        ],
    )
    files.publish(
        at(13, 30),
        [
            report_record("Jamal Murray", "Denver Nuggets", "Available"),
            report_record("Nikola Jokic", "Denver Nuggets", "Out"),
        ],
    )
    first = sync_injuries(loaded_container, at(13, 20))
    assert first.ok, first.errors
    assert (first.rows, first.details["quarantined"]) == (2, 0)
    assert first.details["reported_at"] == at(13).isoformat()
    # The provider walked back from 13:15; the 13:30 report was never asked for.
    assert stamp(at(13, 30)) not in " ".join(files.requests)
    assert files.requests[-2:] == [
        f"/referee/injury/Injury-Report_{stamp(at(13, 15))}.json",
        f"/referee/injury/Injury-Report_{stamp(at(13))}.json",
    ]
    assert _statuses(loaded_container, at(13, 20)) == {MURRAY: "out", JOKIC: "questionable"}
    assert sync_injuries(loaded_container, at(13, 20)).rows == 0

    later = sync_injuries(loaded_container, at(13, 40))
    assert later.rows == 2
    # Stored, the newer report still does not count for a moment before it was published.
    assert _statuses(loaded_container, at(13, 20)) == {MURRAY: "out", JOKIC: "questionable"}
    assert _statuses(loaded_container, at(14)) == {MURRAY: "available", JOKIC: "out"}
    with loaded_container.engine.connect() as connection:
        sources = set(connection.execute(select(Injury.source)).scalars())
    assert sources == {"nba_injury_report"}


def test_a_player_the_latest_report_no_longer_lists_has_no_status(
    loaded_container: Container, files: LeagueFiles
) -> None:
    files.publish(at(13), [report_record("Jamal Murray", "Denver Nuggets", "Out")])
    files.publish(at(17), [report_record("Nikola Jokic", "Denver Nuggets", "Probable")])
    assert sync_injuries(loaded_container, at(13, 5)).ok
    assert sync_injuries(loaded_container, at(17, 5)).ok
    assert _statuses(loaded_container, at(18)) == {JOKIC: "probable"}


def test_without_a_report_url_the_job_does_nothing(loaded_container: Container) -> None:
    report = sync_injuries(loaded_container, at(13))
    assert report.ok
    assert report.rows == 0
    assert "INJURY_REPORT_URL" in report.details["skipped"]
