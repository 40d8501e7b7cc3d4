"""The one builder of serving-time feature inputs, shared by predict, batch, board and context.

A served feature row must equal the training row of the same game, so every serving use case
reads the same things from the database before calling the training code path
(`features.inputs.prepare_inputs` / `features.frame.build_feature_frame`):
- each player's box scores of this and last season, and at least his last MIN_HISTORY_GAMES
  games (a player back from a long absence still has a recent form);
- the box scores of each target team's season (rosters: teammates-out, usage);
- the injury report of every scheduled target game as of its cut-off (`report_cutoff`: the
  tip-off, else the end of the game's date): who is out is not in any box score yet;
- the league's team games, indexed once per process by one `TeamGamesCache`.

Only games strictly before `before` are read, so a target on that date sees no outcome of it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from statmusepicks.core.seasons import previous_season, season_of, season_start
from statmusepicks.data.repositories import players as repo
from statmusepicks.data.repositories.availability import (
    ReportedStatus,
    latest_statuses,
    report_cutoff,
    reported_absent,
)
from statmusepicks.features import rolling
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.features.inputs import (
    FeatureInputs,
    TeamGames,
    prepare_inputs,
    prepare_team_logs,
)
from statmusepicks.features.opponent import MATCHUP_WINDOW

# A recent-form history: this and last season, and at least the games the form windows read.
MIN_HISTORY_GAMES = rolling.FORM_DEPTH
# The stored team games are re-checked for new rows at most this often (one cheap query); a
# sync that loads new games calls `TeamGamesCache.expire` so they are seen at once.
TEAM_GAMES_RECHECK_SECONDS = 10.0

# Reads one team's box scores of a season before a date (a cache may stand in for the query).
RosterReader = Callable[[Session, str, str, dt.date], pd.DataFrame]


def read_roster(session: Session, team: str, season: str, before: dt.date) -> pd.DataFrame:
    """A team's box scores of one season before a date, straight from the database."""
    return repo.team_player_logs(session, team, season, before=before)


class TeamGamesCache:
    """The league's team games, indexed once per process and shared by every serving path.

    Filled under a lock: concurrent first requests build the index once. It is rebuilt when
    the stored team games change (newest date or row count), checked at most every
    `recheck_seconds`.
    """

    def __init__(self, recheck_seconds: float = TEAM_GAMES_RECHECK_SECONDS) -> None:
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._games: TeamGames | None = None
        self._stamp: tuple[dt.date | None, int] | None = None
        self._checked = float("-inf")

    def get(self, session: Session) -> TeamGames:
        with self._lock:
            now = time.monotonic()
            if self._games is not None and now - self._checked <= self.recheck_seconds:
                return self._games
            stamp = repo.latest_team_game(session)
            if self._games is None or stamp != self._stamp:
                self._games = prepare_team_logs(repo.team_game_logs(session))
                self._stamp = stamp
            self._checked = now
            return self._games

    def expire(self) -> None:
        """Look at the stored team games again on the next read (new data arrived)."""
        with self._lock:
            self._checked = float("-inf")


@dataclass(frozen=True)
class ServingTarget:
    """One game to build a feature row for.

    `team` is used only when the player has no game before `game_date` (his listed team);
    otherwise the team of his last game counts, as in training. `scheduled` games read the
    injury report; an unscheduled date (a game the schedule does not hold) does not.
    """

    player_id: int
    game_date: dt.date
    team: str
    opponent: str | None
    is_home: bool | None
    scheduled: bool


@dataclass(frozen=True)
class AssembledInputs:
    """What the training code path needs for some targets, read from the database."""

    logs: pd.DataFrame
    targets: pd.DataFrame
    absences: pd.DataFrame | None

    def feature_inputs(self, teams: TeamGames) -> FeatureInputs:
        """Validated, indexed inputs (for callers that run feature functions themselves)."""
        return prepare_inputs(self.logs, teams, self.targets, self.absences)

    def feature_frame(self, teams: TeamGames) -> pd.DataFrame:
        """One feature row per target, in order (the training code path)."""
        return build_feature_frame(self.logs, teams, self.targets, absences=self.absences)


def player_histories(
    session: Session, player_ids: Iterable[int], *, first_day: dt.date, before: dt.date
) -> pd.DataFrame:
    """Box scores before `before` from the start of the season before `first_day`'s, and at
    least each player's last MIN_HISTORY_GAMES games; oldest first."""
    ids = sorted(set(player_ids))
    since = season_start(previous_season(season_of(first_day)))
    seasons = repo.player_game_logs(session, ids, since=since, before=before)
    counts = seasons["player_id"].value_counts()
    thin = [pid for pid in ids if counts.get(pid, 0) < MIN_HISTORY_GAMES]
    if not thin:
        return seasons
    recent = repo.players_recent_game_logs(session, thin, before=before, limit=MIN_HISTORY_GAMES)
    return pd.concat([recent, seasons]).drop_duplicates(["player_id", "game_id"])


def last_teams(history: pd.DataFrame, listed: Mapping[int, str]) -> dict[int, str]:
    """Each player's team in his newest game of `history`, else his listed team."""
    newest = history.groupby("player_id")["team"].last()
    return {pid: str(newest.get(pid, team or "")) for pid, team in listed.items()}


def histories_and_teams(
    session: Session, listed: Mapping[int, str], day: dt.date
) -> tuple[pd.DataFrame, dict[int, str]]:
    """The players' histories before `day` and each one's team as of then: the first step of
    every day's build (the board and the player context read the same games the same way)."""
    history = player_histories(session, listed, first_day=day, before=day)
    return history, last_teams(history, listed)


def assemble_inputs(
    session: Session,
    history: pd.DataFrame,
    targets: Sequence[ServingTarget],
    *,
    before: dt.date,
    roster: RosterReader = read_roster,
) -> AssembledInputs:
    """Target rows, the histories with each target team's season of box scores, and the
    players reported out of scheduled games: the inputs of `prepare_inputs`."""
    rows, rosters, absences = [], {}, {}
    ids = history["player_id"].to_numpy()
    dates = history["game_date"].to_numpy()
    teams = history["team"].to_numpy()
    for target in targets:
        own = (ids == target.player_id) & (dates < target.game_date)
        team = str(teams[own][-1]) if own.any() else target.team
        season = season_of(target.game_date)
        rows.append(
            {
                "player_id": target.player_id,
                "game_date": target.game_date,
                "season": season,
                "team": team,
                "opp": target.opponent or "",
                "is_home": bool(target.is_home),
            }
        )
        if team and (team, season) not in rosters:
            rosters[(team, season)] = roster(session, team, season, before)
        if target.scheduled and (team, target.game_date) not in absences:
            cutoff = report_cutoff(session, team, target.game_date)
            absences[(team, target.game_date)] = reported_absent(
                session, team, target.game_date, cutoff
            )
    matchups = matchup_histories(session, targets)
    logs = pd.concat([*matchups, history, *rosters.values()]).drop_duplicates(
        ["player_id", "game_id"]
    )
    listed = pd.concat(absences.values()).drop_duplicates() if absences else None
    return AssembledInputs(logs, pd.DataFrame(rows), listed)


def matchup_histories(session: Session, targets: Sequence[ServingTarget]) -> list[pd.DataFrame]:
    """Each target player's last games against his opponent, from any season (one query per
    target date): training reads the whole career for the head-to-head features."""
    by_day: dict[dt.date, set[tuple[int, str]]] = {}
    for target in targets:
        if target.opponent:
            by_day.setdefault(target.game_date, set()).add((target.player_id, target.opponent))
    return [
        repo.games_against(session, sorted(pairs), before=day, limit=MATCHUP_WINDOW)
        for day, pairs in sorted(by_day.items())
    ]


def serving_inputs(
    session: Session,
    targets: Sequence[ServingTarget],
    *,
    roster: RosterReader = read_roster,
) -> AssembledInputs:
    """The inputs of some targets: their players' histories before the latest target date,
    then `assemble_inputs`."""
    before = max(target.game_date for target in targets)
    first_day = min(target.game_date for target in targets)
    history = player_histories(
        session, (t.player_id for t in targets), first_day=first_day, before=before
    )
    return assemble_inputs(session, history, targets, before=before, roster=roster)


def player_statuses(
    session: Session, targets: Sequence[ServingTarget]
) -> dict[int, ReportedStatus]:
    """Each target player's own status in the report that counts for his game (the cut-off
    rule of the teammates' absences); unscheduled games read no report, as for teammates."""
    by_cutoff: dict[dt.datetime, list[int]] = {}
    cutoffs: dict[tuple[str, dt.date], dt.datetime] = {}
    for target in targets:
        if not target.scheduled:
            continue
        game = (target.team, target.game_date)
        if game not in cutoffs:
            cutoffs[game] = report_cutoff(session, target.team, target.game_date)
        by_cutoff.setdefault(cutoffs[game], []).append(target.player_id)
    found: dict[int, ReportedStatus] = {}
    for cutoff, ids in by_cutoff.items():
        found.update(latest_statuses(session, ids, cutoff))
    return found
