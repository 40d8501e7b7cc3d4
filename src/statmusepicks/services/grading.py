"""Use case: settle served predictions from box scores.

Grading never rewrites the log of what was served: each settled prediction gets one grade row
(`graded_at`, `actual`, `result`, `profit`) appended to the record's hash chain
(`data/repositories/record_chain.py`), and a prediction that has one is left alone. A
prediction whose player has no box score on a date the data already covers is void (did not
play: stake returned).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from statmusepicks.core.stats import STATS
from statmusepicks.data.db.models import PlayerGameStats, Prediction
from statmusepicks.data.ingest.daily import last_complete_day
from statmusepicks.data.repositories import players as repo
from statmusepicks.data.repositories.picks import taken_picks
from statmusepicks.data.repositories.record_chain import append_grades
from statmusepicks.evaluation.daily_scores import BETS
from statmusepicks.evaluation.odds import american_to_decimal
from statmusepicks.services.container import Container


@dataclass(frozen=True)
class GradeReport:
    """What a grading run did."""

    graded: int
    void: int
    pending: int


def settle(
    recommendation: str, line: float, actual: float, odds_over: int, odds_under: int
) -> tuple[str, float | None]:
    """The result of the prop and the profit per unit of the recommended bet (None for PASS)."""
    result = "over" if actual > line else "under" if actual < line else "push"
    if recommendation not in BETS:
        return result, None
    if result == "push":
        return result, 0.0
    won = result == recommendation.lower()
    odds = odds_over if recommendation == "OVER" else odds_under
    return result, float(american_to_decimal(odds)) - 1.0 if won else -1.0


def grade(container: Container, *, now: dt.datetime | None = None) -> GradeReport:
    """Settle every ungraded prediction whose game the box scores now cover.

    `now` stamps `graded_at` (the caller's clock: a replayed day passes its own as-of time, so
    the daily metrics it records next see the grades as that day saw them).
    """
    now = now or dt.datetime.now(dt.UTC)
    with container.sessions() as session:
        latest = repo.latest_game_date(session)
        if latest is not None:
            # Only games before the clock's day count, as if later box scores had not arrived.
            latest = min(latest, last_complete_day(now))
        rows = taken_picks(session, Prediction.graded_at.is_(None))
        if latest is None or not rows:
            return GradeReport(0, 0, len(rows))
        due = [r for r in rows if r.game_date <= latest]
        keys = {(r.player_id, r.game_date) for r in due}
        box = {}
        if keys:
            found = session.execute(
                select(PlayerGameStats).where(
                    PlayerGameStats.player_id.in_({k[0] for k in keys}),
                    PlayerGameStats.game_date.in_({k[1] for k in keys}),
                )
            ).scalars()
            box = {(b.player_id, b.game_date): b for b in found}
    grades = []
    for row in due:
        game = box.get((row.player_id, row.game_date))
        if game is None:
            if row.game_date < latest:  # on the latest day the box scores may still be loading
                profit = 0.0 if row.recommendation in BETS else None
                grades.append(_grade_row(row.id, now, None, "void", profit))
            continue
        spec = STATS[row.stat]
        actual = float(sum(getattr(game, c) * w for c, w in spec.weights))
        result, profit = settle(row.recommendation, row.line, actual, row.odds_over, row.odds_under)
        grades.append(_grade_row(row.id, now, actual, result, profit))
    with container.engine.begin() as connection:
        append_grades(connection, grades, at=now)
    void = sum(g["result"] == "void" for g in grades)
    return GradeReport(len(grades) - void, void, len(rows) - len(grades))


def _grade_row(
    prediction_id: int, now: dt.datetime, actual: float | None, result: str, profit: float | None
) -> dict[str, Any]:
    return {
        "prediction_id": prediction_id,
        "graded_at": now,
        "actual": actual,
        "result": result,
        "profit": profit,
    }
