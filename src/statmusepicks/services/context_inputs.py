"""The feature inputs of a player-context build, read from the database in one place.

Everything the context's feature blocks read for a set of players as of one date is assembled
by `build_context_inputs`: the players' histories, each one's last team, the next game of every
such team, the target rows, the injury reports and the teammates' games of those seasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from statmusepicks.data.repositories import players as repo
from statmusepicks.data.repositories.availability import ReportedStatus
from statmusepicks.features.inputs import FeatureInputs, TeamGames
from statmusepicks.services.serving_inputs import (
    ServingTarget,
    assemble_inputs,
    histories_and_teams,
    player_statuses,
)


@dataclass(frozen=True)
class ContextInputs:
    """Feature inputs (one target row per player, in the order asked), each team's next game
    and each player's own injury status for it."""

    inputs: FeatureInputs
    games: dict[str, repo.ScheduledGame | None]
    statuses: dict[int, ReportedStatus] = field(default_factory=dict)


def build_context_inputs(
    session: Session,
    players: dict[int, repo.PlayerRef],
    as_of: dt.date,
    team_games: TeamGames,
) -> ContextInputs:
    """Inputs of every player's next game after `as_of`, from games strictly before it, read
    by the same builder as predict and the board (so the context shows what the models see)."""
    listed = {pid: player.team or "" for pid, player in players.items()}
    history, teams = histories_and_teams(session, listed, as_of)
    games = {team: repo.next_game(session, team, as_of) for team in set(teams.values()) if team}
    targets = []
    for pid in players:
        game = games.get(teams[pid])
        targets.append(
            ServingTarget(
                pid,
                game.game_date if game else as_of,
                teams[pid],
                game.opp if game else "",
                game.is_home if game else False,
                scheduled=game is not None,
            )
        )
    assembled = assemble_inputs(session, history, targets, before=as_of)
    statuses = player_statuses(session, targets)
    return ContextInputs(assembled.feature_inputs(team_games), games, statuses)
