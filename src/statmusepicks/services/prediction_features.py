"""The feature rows a prediction reads, held in memory per data stamp.

A prop is priced from one feature row of the player's target game. The rows come from
`serving_inputs` (the builder shared with the board and the player context) and are cached per
player, date, opponent, venue and data stamp (the newest stored box score), so new box scores
make new keys; a team's box scores are read once for all its players in the same game.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from cachetools import TTLCache
from sqlalchemy.orm import Session

from statmusepicks.core.errors import NotFoundError
from statmusepicks.data.repositories import players as repo
from statmusepicks.features.inputs import TeamGames
from statmusepicks.services.container import Container
from statmusepicks.services.prediction_request import PredictionRequest
from statmusepicks.services.serving_inputs import ServingTarget, serving_inputs

# The data stamp (newest box score) is re-read at most this often; new data also clears the
# rows through `PredictionFeatures.forget`.
STAMP_SECONDS = 10.0
FEATURE_CACHE_SIZE = 4096
FEATURE_CACHE_SECONDS = 3600.0

FeatureKey = tuple[Any, ...]


@dataclass
class PredictionFeatures:
    """The process's feature rows of target games, keyed by `key`."""

    container: Container
    _rows: TTLCache[FeatureKey, pd.DataFrame] = field(
        default_factory=lambda: TTLCache(maxsize=FEATURE_CACHE_SIZE, ttl=FEATURE_CACHE_SECONDS)
    )
    _rosters: TTLCache[tuple[Any, ...], pd.DataFrame] = field(
        default_factory=lambda: TTLCache(maxsize=256, ttl=FEATURE_CACHE_SECONDS)
    )
    _stamp: tuple[float, dt.date | None] = (0.0, None)

    def forget(self) -> None:
        """Drop the cached rows and team box scores (new data; benchmarks)."""
        self._rows.clear()
        self._rosters.clear()

    def data_as_of(self, session: Session) -> dt.date:
        """Date of the newest stored box score (re-read every STAMP_SECONDS)."""
        checked, latest = self._stamp
        if latest is None or time.monotonic() - checked > STAMP_SECONDS:
            latest = repo.latest_game_date(session)
            if latest is None:
                raise NotFoundError("No box scores are loaded yet: run `statmusepicks data load`.")
            self._stamp = (time.monotonic(), latest)
        return latest

    def team_games(self, session: Session) -> TeamGames:
        """The process's indexed team games (one cache, shared with the board and context)."""
        return self.container.team_games.get(session)

    def target_game(
        self, session: Session, player: repo.PlayerRef, request: PredictionRequest, as_of: dt.date
    ) -> ServingTarget:
        """The game priced: the requested date (default: the player's next game after the
        data), from the schedule when it holds it, else an unscheduled game on that date."""
        team = player.team or ""
        start = request.date or as_of + dt.timedelta(days=1)
        game = repo.next_game(session, team, start) if team else None
        pid = player.player_id
        if game is not None and (request.date is None or game.game_date == request.date):
            opponent = (request.opponent or game.opp).upper()
            return ServingTarget(pid, game.game_date, team, opponent, game.is_home, True)
        unscheduled = request.opponent.upper() if request.opponent else None
        return ServingTarget(pid, start, team, unscheduled, None, False)

    def key(self, target: ServingTarget) -> FeatureKey:
        """What a target's row depends on: player, date, opponent, venue and the data stamp."""
        return (
            target.player_id,
            target.game_date,
            target.opponent,
            target.is_home,
            self._stamp[1],
        )

    def cached(self, key: FeatureKey) -> pd.DataFrame | None:
        """The row held under `key`, if any (nothing is computed)."""
        return self._rows.get(key)

    def features(self, session: Session, target: ServingTarget) -> pd.DataFrame:
        """The player's feature row for the target game (cached per player, date, opponent)."""
        key = self.key(target)
        cached = self._rows.get(key)
        if cached is None:
            cached = self.feature_rows(session, [target])
            self._rows[key] = cached
        return cached

    def feature_rows(self, session: Session, targets: Sequence[ServingTarget]) -> pd.DataFrame:
        """Feature rows of many targets in one vectorised frame, in order (one code path for
        one player and a batch, shared with the board: `serving_inputs`)."""
        inputs = serving_inputs(session, targets, roster=self._roster)
        return inputs.feature_frame(self.team_games(session))

    def prefetch(self, session: Session, targets: Sequence[ServingTarget]) -> None:
        """Compute the rows of many targets that are not cached yet in one vectorised call."""
        wanted = {self.key(target): target for target in targets}
        missing = [key for key in wanted if key not in self._rows]
        if len(missing) > 1:
            frame = self.feature_rows(session, [wanted[key] for key in missing])
            for i, key in enumerate(missing):
                self._rows[key] = frame.iloc[[i]].reset_index(drop=True)

    def _roster(self, session: Session, team: str, season: str, before: dt.date) -> pd.DataFrame:
        """A team's box scores of a season before a date (shared by all its players).

        Kept per data stamp: teammates asked about for the same game reuse one read, and new
        box scores (a new stamp) make a new key.
        """
        key = (team, season, before, self._stamp[1])
        found = self._rosters.get(key)
        if found is None:
            found = repo.team_player_logs(session, team, season, before=before)
            self._rosters[key] = found
        return found
