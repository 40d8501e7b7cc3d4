"""The season's jobs: what the worker runs and when, each against an as-of time.

A job never reads the wall clock: it is handed the moment it runs "as of", and it reads no
data stamped after that moment. So a season can be replayed day by day exactly as production
lived it, and a test can plant the future and check that no job looks at it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from statmusepicks.data.ingest.bundled import TableReport
from statmusepicks.services.container import Container


@dataclass
class JobReport:
    """What one run of a job did: rows written, details worth recording, and failures."""

    job: str
    as_of: dt.datetime
    rows: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count_import(self, run_id: int, table: TableReport, **extra: Any) -> None:
        """Record an import's run and its table's counts; `rows` is what it wrote (new or
        changed), so a job can tell whether served answers went stale."""
        self.rows = table.inserted + table.updated
        self.details.update(run_id=run_id, **table.summary(), **extra)


JobRun = Callable[[Container, dt.datetime], JobReport]
Cadence = Literal["daily", "game_day", "weekly"]


@dataclass(frozen=True)
class Job:
    """A job and its slots: local times (SYNC_TIMEZONE) on every day, on game days only, or
    once a week on `weekday` (0 = Monday); `pre_tip` adds a slot ODDS_PRE_TIP_MINUTES before
    the day's first tip-off, known only once the schedule (or the day's odds) is stored."""

    name: str
    run: JobRun
    at: tuple[str, ...]
    cadence: Cadence = "daily"
    weekday: int | None = None
    pre_tip: bool = False
