"""The leg correlations a slip on a date is simulated with, estimated from stored box scores.

Leak-free: a slip dated D uses the two years of box scores before the Monday of D's week, so
every slip of a week shares one estimate (about 3 s over two seasons, paid once a week per
process) and none reads a game of its own week. The estimate is kept per (cut-off, newest game
before it): a late sync of games before the cut-off refreshes it.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

import pandas as pd
from cachetools import LRUCache
from sqlalchemy import func, select

from statmusepicks.core.stats import STATS
from statmusepicks.data.db.models import PlayerGameStats
from statmusepicks.models.leg_correlation import LEG_STATS, LegCorrelations, estimate_correlations
from statmusepicks.services.container import Container

WINDOW_DAYS = 730
KEPT_ESTIMATES = 8
COLUMNS = ("player_id", "game_id", "game_date", "team", "min")


def week_cutoff(day: dt.date) -> dt.date:
    """The Monday on or before `day`: games before it inform the slip."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class SlipCorrelations:
    """The process's correlation estimates, filled under a lock (one estimate per key)."""

    container: Container
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _kept: LRUCache[tuple[dt.date, dt.date | None], LegCorrelations] = field(
        default_factory=lambda: LRUCache(maxsize=KEPT_ESTIMATES)
    )

    def for_date(self, day: dt.date) -> LegCorrelations:
        """The estimate a slip on `day` uses."""
        cutoff = week_cutoff(day)
        since = cutoff - dt.timedelta(days=WINDOW_DAYS)
        with self.container.sessions() as session:
            newest = session.scalar(
                select(func.max(PlayerGameStats.game_date)).where(
                    PlayerGameStats.game_date < cutoff, PlayerGameStats.game_date >= since
                )
            )
        key = (cutoff, newest)
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                found = self._kept[key] = estimate_correlations(self._box_scores(since, cutoff))
            return found

    def _box_scores(self, since: dt.date, before: dt.date) -> pd.DataFrame:
        columns = sorted({c for key in LEG_STATS for c in STATS[key].columns} | set(COLUMNS))
        statement = select(*(getattr(PlayerGameStats, c) for c in columns)).where(
            PlayerGameStats.game_date >= since, PlayerGameStats.game_date < before
        )
        with self.container.sessions() as session:
            return pd.read_sql(statement, session.connection())


def slip_correlations(container: Container) -> SlipCorrelations:
    """The container's long-lived SlipCorrelations (created once, on first use)."""
    return container.service(SlipCorrelations, SlipCorrelations)
