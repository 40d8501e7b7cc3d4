"""The feature rows a prediction reads, held in memory per data stamp.

A prop is priced from one feature row of the player's target game. The rows come from
`serving_inputs` (the builder shared with the board and the player context) and are cached per
player, date, opponent, venue and data stamp (`DataStamp`: the newest stored box score and the
count of finished syncs that changed box scores, injuries or the schedule), so new data makes new
keys, whichever process stored it. Rows are built one game day at a time, many players in one
vectorised call of the training code path: `prepare_upcoming` builds the next game of every
active player at start-up and after new data, so the board, batches and single predicts find
their rows instead of building them (about 2 ms per player instead of 50-70 ms;
docs/performance/serving.md).

Every read and fill of the rows holds one lock: concurrent first requests build a day's rows
once, and a request never sees half a fill.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from cachetools import TTLCache
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statmusepicks.core.errors import NotFoundError
from statmusepicks.core.logging import get_logger
from statmusepicks.core.seasons import previous_season, season_of, season_start
from statmusepicks.data.db.models import IngestionRun, Player, PlayerGameStats
from statmusepicks.data.ingest import daily, injuries, schedule
from statmusepicks.data.repositories import players as repo
from statmusepicks.data.repositories.availability import ReportedStatus
from statmusepicks.features.inputs import TeamGames
from statmusepicks.services.container import Container
from statmusepicks.services.prediction_request import PredictionRequest
from statmusepicks.services.serving_inputs import (
    ServingTarget,
    player_statuses,
    serving_inputs,
)

# The data stamp is re-read at most this often (one indexed query): a sync run by the worker, a
# process of its own, reaches a serving process within this time; in the same process new data
# also clears the rows at once through `PredictionFeatures.forget`.
STAMP_SECONDS = 10.0
# The runs whose data a feature row reads: box scores, the injury report (teammates out, the
# player's own status) and the schedule (the next game). Odds runs are not among them: lines
# change no feature row.
FEATURE_DATA_RUNS = (daily.RUN_KIND, injuries.RUN_KIND, schedule.RUN_KIND, "bundled")
# Rows of every active player's next game (about 450-650) for a few days, plus ad-hoc targets.
FEATURE_CACHE_SIZE = 8192
FEATURE_CACHE_SECONDS = 3600.0

log = get_logger(__name__)

FeatureKey = tuple[Any, ...]


# A row is a position in the frame of the day's build it came from (no per-row copies).
Located = tuple[pd.DataFrame, int]


@dataclass(frozen=True)
class DataStamp:
    """What the stored data a feature row reads looks like: the newest box score's date and
    the number of finished runs that changed box scores, injuries or the schedule.

    The count moves whenever the worker stores an injury report or a schedule change, which
    leave the newest box score where it was; a run that changed nothing leaves it alone, so
    the hourly report checks do not rebuild every row.
    """

    newest: dt.date
    runs: int

    def __str__(self) -> str:
        return f"{self.newest.isoformat()}+{self.runs}"


def read_data_stamp(session: Session) -> DataStamp | None:
    """The stored data's stamp (None before any box score is loaded), in one query."""
    runs = (
        select(func.count())
        .select_from(IngestionRun)
        .where(
            IngestionRun.kind.in_(FEATURE_DATA_RUNS),
            IngestionRun.finished_at.is_not(None),
            IngestionRun.rows_inserted + IngestionRun.rows_updated > 0,
        )
        .scalar_subquery()
    )
    newest, count = session.execute(select(func.max(PlayerGameStats.game_date), runs)).one()
    return None if newest is None else DataStamp(newest, int(count))


@dataclass
class PredictionFeatures:
    """The process's feature rows of target games, keyed by `key`."""

    container: Container
    _rows: TTLCache[FeatureKey, Located] = field(
        default_factory=lambda: TTLCache(maxsize=FEATURE_CACHE_SIZE, ttl=FEATURE_CACHE_SECONDS)
    )
    _rosters: TTLCache[tuple[Any, ...], pd.DataFrame] = field(
        default_factory=lambda: TTLCache(maxsize=256, ttl=FEATURE_CACHE_SECONDS)
    )
    # A team's next game and a target player's reported status, per data stamp: the schedule
    # and the injury report move the stamp, so a held answer is never older than the data.
    _games: TTLCache[tuple[Any, ...], repo.ScheduledGame | None] = field(
        default_factory=lambda: TTLCache(maxsize=1024, ttl=FEATURE_CACHE_SECONDS)
    )
    _statuses: TTLCache[FeatureKey, ReportedStatus | None] = field(
        default_factory=lambda: TTLCache(maxsize=FEATURE_CACHE_SIZE, ttl=FEATURE_CACHE_SECONDS)
    )
    _stamp: tuple[float, DataStamp | None] = (0.0, None)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _refresh: threading.Thread | None = None
    _refresh_lock: threading.Lock = field(default_factory=threading.Lock)
    _prepared: bool = False

    def forget(self) -> None:
        """Drop the cached rows and team box scores, and re-read the data stamp on the next
        request (new data; benchmarks)."""
        with self._lock:
            self._clear()
            self._stamp = (float("-inf"), self._stamp[1])

    def _clear(self) -> None:
        self._rows.clear()
        self._rosters.clear()
        self._games.clear()
        self._statuses.clear()

    @property
    def prepared(self) -> bool:
        """Whether this process builds the next games ahead (a serving process, once warm)."""
        return self._prepared

    def data_as_of(self, session: Session) -> dt.date:
        """Date of the newest stored box score (the stamp's date, see `data_stamp`)."""
        return self.data_stamp(session).newest

    def data_stamp(self, session: Session) -> DataStamp:
        """The stored data's stamp, re-read every STAMP_SECONDS.

        A stamp that moved means new data was stored (by this process or by the worker): the
        rows of the old stamp are dropped, and the next games of every active player are
        rebuilt in the background.
        """
        checked, held = self._stamp
        if held is None or time.monotonic() - checked > STAMP_SECONDS:
            with self._lock:
                found = read_data_stamp(session)
                if found is None:
                    raise NotFoundError(
                        "No box scores are loaded yet: run `statmusepicks data load`."
                    )
                moved = held is not None and found != held
                if moved:
                    self._clear()
                self._stamp = (time.monotonic(), found)
                held = found
            if moved and self._prepared:
                self.refresh_in_background()
        return held

    @property
    def stamp(self) -> DataStamp | None:
        """The stamp last read (None before the first request); keys of cached answers."""
        return self._stamp[1]

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
        game = self.next_game(session, team, start) if team else None
        pid = player.player_id
        if game is not None and (request.date is None or game.game_date == request.date):
            opponent = (request.opponent or game.opp).upper()
            return ServingTarget(pid, game.game_date, team, opponent, game.is_home, True)
        unscheduled = request.opponent.upper() if request.opponent else None
        return ServingTarget(pid, start, team, unscheduled, None, False)

    def next_game(
        self, session: Session, team: str, on_or_after: dt.date
    ) -> repo.ScheduledGame | None:
        """The team's next game on or after a date (`repo.next_game`, held per data stamp)."""
        key = (team, on_or_after, self._stamp[1])
        with self._lock:
            if key not in self._games:
                self._games[key] = repo.next_game(session, team, on_or_after)
            return self._games[key]

    def status(self, session: Session, target: ServingTarget) -> ReportedStatus | None:
        """The target player's own status in the report that counts for his game
        (`player_statuses`, held per data stamp; `prepare_upcoming` reads every one ahead)."""
        key = self._status_key(target)
        with self._lock:
            if key not in self._statuses:
                self._statuses[key] = player_statuses(session, [target]).get(target.player_id)
            return self._statuses[key]

    def _status_key(self, target: ServingTarget) -> FeatureKey:
        return (*self.key(target), target.team, target.scheduled)

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
        with self._lock:
            found = self._rows.get(key)
        return None if found is None else _take([found])

    def has(self, target: ServingTarget) -> bool:
        """Whether the target's row is held (nothing is computed)."""
        with self._lock:
            return self.key(target) in self._rows

    def features(self, session: Session, target: ServingTarget) -> pd.DataFrame:
        """The player's feature row for the target game (built on a miss)."""
        return self.rows(session, [target])

    def rows(self, session: Session, targets: Sequence[ServingTarget]) -> pd.DataFrame:
        """The feature rows of `targets`, in order; the missing ones are built first, one
        vectorised call per game day."""
        with self._lock:
            self._fill(session, targets)
            located = [self._rows[self.key(target)] for target in targets]
        return _take(located)

    def prefetch(self, session: Session, targets: Sequence[ServingTarget]) -> None:
        """Build the rows of many targets that are not cached yet (one call per game day)."""
        with self._lock:
            self._fill(session, targets)

    def _fill(self, session: Session, targets: Sequence[ServingTarget]) -> None:
        missing = {self.key(t): t for t in targets if self.key(t) not in self._rows}
        by_day: dict[dt.date, list[ServingTarget]] = {}
        for target in missing.values():
            by_day.setdefault(target.game_date, []).append(target)
        for group in by_day.values():
            frame = self.feature_rows(session, group)
            for i, target in enumerate(group):
                self._rows[self.key(target)] = (frame, i)

    def feature_rows(self, session: Session, targets: Sequence[ServingTarget]) -> pd.DataFrame:
        """Feature rows of many targets in one vectorised frame, in order, straight from the
        database (`serving_inputs`, the code path one player, a batch and the board share)."""
        inputs = serving_inputs(session, targets, roster=self._roster)
        return inputs.feature_frame(self.team_games(session))

    def upcoming_targets(self, session: Session, as_of: dt.date) -> list[ServingTarget]:
        """The next scheduled game after `as_of` of every player who played this season or
        the last, as `target_game` picks it for a request without a date."""
        start = as_of + dt.timedelta(days=1)
        since = season_start(previous_season(season_of(start)))
        players = [
            (int(pid), str(team))
            for pid, team in session.execute(
                select(Player.player_id, Player.team).where(
                    Player.team.is_not(None), Player.last_game_date >= since
                )
            )
        ]
        games = {team: self.next_game(session, team, start) for team in {t for _, t in players}}
        return [
            ServingTarget(pid, game.game_date, team, game.opp.upper(), game.is_home, True)
            for pid, team in players
            if (game := games[team]) is not None
        ]

    def prepare_upcoming(self, session: Session) -> int:
        """Build the rows of every active player's next game (warm-up, new data); the count."""
        with self._lock:
            targets = self.upcoming_targets(session, self.data_as_of(session))
            self._fill(session, targets)
            found = player_statuses(session, targets)
            for target in targets:
                self._statuses[self._status_key(target)] = found.get(target.player_id)
            self._prepared = True
        settle_heap()
        return len(targets)

    def refresh_in_background(self) -> threading.Thread:
        """`prepare_upcoming` on a thread of its own (one at a time), so the job or request that
        saw the new data does not wait for it; requests that need a row meanwhile wait on the
        lock and then find it."""
        with self._refresh_lock:
            running = self._refresh
            if running is not None and running.is_alive():
                return running
            self._refresh = threading.Thread(
                target=self._prepare_logged, name="feature-rows", daemon=True
            )
            self._refresh.start()
            return self._refresh

    def _prepare_logged(self) -> None:
        try:
            with self.container.sessions() as session:
                self.prepare_upcoming(session)
        except Exception as exc:  # a failed refresh leaves rows to be built on demand
            log.error("feature rows refresh failed", error=repr(exc))

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


def settle_heap() -> None:
    """Collect the garbage of a build of rows, then freeze what survives (the models, the rows,
    the indexes: about 390,000 objects the collector tracks on the bundled data).

    Without it the first request after a build paid for a full collection over all of them
    (0.6 s of a 1.2 s board in `docs/performance/serving.md`), and every later full collection
    walked them again; frozen, they are left out of collections. Unfreezing first lets the
    previous build's rows, dropped since, be collected: nothing is frozen for good.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _take(located: Sequence[Located]) -> pd.DataFrame:
    """The located rows as one frame, in order (one `iloc` per day's frame they come from)."""
    blocks: dict[int, tuple[pd.DataFrame, list[int], list[int]]] = {}
    for order, (frame, position) in enumerate(located):
        entry = blocks.setdefault(id(frame), (frame, [], []))
        entry[1].append(position)
        entry[2].append(order)
    parts = [frame.iloc[positions] for frame, positions, _ in blocks.values()]
    orders = [order for _, _, taken in blocks.values() for order in taken]
    joined = parts[0] if len(parts) == 1 else pd.concat(parts)
    return joined.iloc[np.argsort(orders, kind="stable")].reset_index(drop=True)
