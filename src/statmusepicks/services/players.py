"""Use case: one player's feature vector for a game, from the database, for serving.

It loads exactly what `build_feature_frame` needs for one target (the player's whole history,
his team's games of the season for teammates-out, the injury report for an upcoming game) and
calls the training code path, so a served vector equals the training row of the same game.
"""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from statmusepicks.core.errors import NotFoundError
from statmusepicks.data.repositories import players as repo
from statmusepicks.features.frame import build_player_features
from statmusepicks.features.inputs import TeamGames, prepare_team_logs, season_of
from statmusepicks.features.timeline import day_numbers
from statmusepicks.services.container import Container


class TeamGamesCache:
    """Team games indexed once per process, rebuilt when the stored team games change."""

    def __init__(self) -> None:
        self._entry: tuple[tuple[dt.date | None, int], TeamGames] | None = None
        self._lock = threading.Lock()

    def get(self, session: Session) -> TeamGames:
        stamp = repo.latest_team_game(session)
        with self._lock:
            if self._entry is None or self._entry[0] != stamp:
                self._entry = (stamp, prepare_team_logs(repo.team_game_logs(session)))
            return self._entry[1]


class PlayerFeatures:
    """Serving-time feature vectors read from the database."""

    def __init__(self, sessions: sessionmaker[Session], teams: TeamGamesCache) -> None:
        self.sessions = sessions
        self.teams = teams

    def vector(
        self,
        player_id: int,
        game_date: dt.date,
        *,
        team: str | None = None,
        opp: str | None = None,
        is_home: bool | None = None,
        stat: str | None = None,
        line: float | None = None,
    ) -> pd.DataFrame:
        """The one-row feature frame of a player's game on `game_date`.

        Team, opponent and venue default to the schedule (`games` table); pass them for a game
        the schedule does not hold. Only games strictly before `game_date` are read.
        """
        with self.sessions() as session:
            history = repo.player_game_logs(session, [player_id], before=game_date)
            team = team or (str(history["team"].iloc[-1]) if len(history) else None)
            if team is None:
                raise NotFoundError(f"Player {player_id} has no games and no team was given.")
            if opp is None or is_home is None:
                game = repo.next_game(session, team, game_date)
                if game is None or game.game_date != game_date:
                    raise NotFoundError(
                        f"No scheduled {team} game on {game_date}: pass opp and is_home."
                    )
                opp, is_home = game.opp, game.is_home
            season = str(season_of(day_numbers(pd.Series([game_date])))[0])
            teammates = repo.team_player_logs(session, team, season, before=game_date)
            absences = repo.reported_out(session, team, game_date)
            teams = self.teams.get(session)
        target: dict[str, object] = {
            "player_id": player_id,
            "game_date": game_date,
            "season": season,
            "team": team,
            "opp": opp,
            "is_home": is_home,
        }
        if stat is not None and line is not None:
            target.update(stat=stat, line=line)
        logs = pd.concat([history, teammates]).drop_duplicates(["player_id", "game_id"])
        return build_player_features(logs, teams, target, absences=absences)


def team_games_cache(container: Container) -> TeamGamesCache:
    """The container's shared TeamGamesCache."""
    cache = container.extras.get("team_games")
    if cache is None:
        cache = container.extras.setdefault("team_games", TeamGamesCache())
    return cache  # type: ignore[no-any-return]


def player_features(container: Container) -> PlayerFeatures:
    """The container's PlayerFeatures service."""
    return PlayerFeatures(container.sessions, team_games_cache(container))
