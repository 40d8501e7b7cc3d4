"""Use cases: settle served predictions from box scores, and the public track record.

Grading only ever fills the grade columns (`graded_at`, `actual`, `result`, `profit`) of rows
that have none: the log of what was served is never rewritten. A prediction whose player has
no box score on a date the data already covers is void (did not play: stake returned).

The track record counts each (player, stat, line, game date) once, at the first price served,
so that a prop asked for a hundred times does not weigh a hundred times. ROI is per unit staked
at the taken price on every OVER/UNDER recommendation; hit rates come with a 95 % Wilson interval
(about 1,400 bets at 55 % are needed to tell a record from break-even at -110).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update

from statmusepicks.core.stats import STATS
from statmusepicks.data.db.models import PlayerGameStats, Prediction
from statmusepicks.data.db.session import session_scope
from statmusepicks.data.ingest.daily import last_complete_day
from statmusepicks.data.repositories import players as repo
from statmusepicks.evaluation.daily_scores import BETS
from statmusepicks.evaluation.metrics import wilson_interval
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
    graded = void = pending = 0
    with session_scope(container.sessions) as session:
        latest = repo.latest_game_date(session)
        if latest is not None:
            # Only games before the clock's day count, as if later box scores had not arrived.
            latest = min(latest, last_complete_day(now))
        rows = session.execute(
            select(
                Prediction.id,
                Prediction.player_id,
                Prediction.stat,
                Prediction.line,
                Prediction.game_date,
                Prediction.recommendation,
                Prediction.odds_over,
                Prediction.odds_under,
            ).where(Prediction.graded_at.is_(None))
        ).all()
        if latest is None or not rows:
            return GradeReport(0, 0, len(rows))
        due = [r for r in rows if r.game_date <= latest]
        pending = len(rows) - len(due)
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
        for row in due:
            game = box.get((row.player_id, row.game_date))
            values: dict[str, Any] = {"graded_at": now}
            if game is None:
                if row.game_date >= latest:
                    pending += 1  # the day may still be loading
                    continue
                values |= {"result": "void", "profit": 0.0 if row.recommendation in BETS else None}
                void += 1
            else:
                spec = STATS[row.stat]
                actual = float(sum(getattr(game, c) * w for c, w in spec.weights))
                result, profit = settle(
                    row.recommendation, row.line, actual, row.odds_over, row.odds_under
                )
                values |= {"actual": actual, "result": result, "profit": profit}
                graded += 1
            session.execute(
                update(Prediction)
                .where(Prediction.id == row.id, Prediction.graded_at.is_(None))
                .values(**values)
            )
    return GradeReport(graded, void, pending)


PROP = ["player_id", "stat", "line", "game_date"]


class RecordSummary(BaseModel):
    """Counts, hit rate, profit, ROI and Brier score of a group of graded predictions."""

    predictions: int
    settled: int = Field(description="Predictions whose prop went over or under (no push).")
    bets: int = Field(description="OVER/UNDER recommendations settled (pushes included).")
    wins: int
    losses: int
    pushes: int
    hit_rate: float | None
    hit_rate_ci95: list[float] | None = Field(description="95 % Wilson interval of the hit rate.")
    profit_units: float = Field(description="Profit per unit staked at the taken prices.")
    roi: float | None
    brier: float | None = Field(description="Brier score of P(over); 0.25 is a coin flip.")
    brier_coin_flip: float = 0.25


class TrackRecord(BaseModel):
    """Graded predictions overall, by stat and by recommendation, with the date range."""

    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date | None = Field(alias="from", description="First graded game date.")
    to: dt.date | None = Field(description="Last graded game date.")
    overall: RecordSummary
    by_stat: dict[str, RecordSummary]
    by_recommendation: dict[str, RecordSummary]
    by_model: dict[str, RecordSummary] = Field(
        default_factory=dict, description="By the `name:version` that served each prediction."
    )
    by_arm: dict[str, RecordSummary] = Field(
        default_factory=dict,
        description="By A/B arm: `champion` (also every prediction outside an experiment) or "
        "`challenger`.",
    )
    notes: str


def _wilson(hits: int, n: int) -> list[float] | None:
    interval = wilson_interval(hits, n)
    return None if interval is None else [round(bound, 4) for bound in interval]


def _summary(frame: pd.DataFrame) -> RecordSummary:
    settled = frame[frame["result"].isin(["over", "under"])]
    bets = frame[
        frame["recommendation"].isin(BETS) & frame["result"].isin(["over", "under", "push"])
    ]
    decided = bets[bets["result"] != "push"]
    hits = int((decided["result"].str.upper() == decided["recommendation"]).sum())
    p_over = settled["over_probability"] / (
        settled["over_probability"] + settled["under_probability"]
    )
    outcome = (settled["result"] == "over").astype(float)
    brier = float(np.mean((p_over - outcome) ** 2)) if len(settled) else None
    staked = len(bets)
    profit = float(bets["profit"].fillna(0.0).sum())
    return RecordSummary(
        predictions=len(frame),
        settled=len(settled),
        bets=staked,
        wins=hits,
        losses=len(decided) - hits,
        pushes=int((bets["result"] == "push").sum()),
        hit_rate=round(hits / len(decided), 4) if len(decided) else None,
        hit_rate_ci95=_wilson(hits, len(decided)),
        profit_units=round(profit, 3),
        roi=round(profit / staked, 4) if staked else None,
        brier=None if brier is None else round(brier, 4),
    )


def _split_by(graded: pd.DataFrame, column: str) -> dict[str, RecordSummary]:
    """Summaries per value of `column`, each prop counted once per value (under an A/B test
    one prop is served by both arms, to different users)."""
    return {
        str(k): _summary(g.drop_duplicates(PROP, keep="first")) for k, g in graded.groupby(column)
    }


def track_record(container: Container) -> TrackRecord:
    """Graded predictions: counts, hit rate, ROI at taken prices, Brier, by stat and side."""
    with container.sessions() as session:
        frame = pd.read_sql(
            select(
                Prediction.id,
                Prediction.player_id,
                Prediction.stat,
                Prediction.line,
                Prediction.game_date,
                Prediction.recommendation,
                Prediction.over_probability,
                Prediction.under_probability,
                Prediction.result,
                Prediction.profit,
                Prediction.model_version,
                Prediction.arm,
            )
            .where(Prediction.graded_at.is_not(None))
            .order_by(Prediction.id),
            session.connection(),
        )
    graded = frame[frame["result"] != "void"].fillna({"arm": "champion"})
    frame = frame.drop_duplicates(PROP, keep="first")
    frame = frame[frame["result"] != "void"]
    dates = pd.to_datetime(frame["game_date"])
    return TrackRecord(
        from_=None if frame.empty else dates.min().date(),
        to=None if frame.empty else dates.max().date(),
        overall=_summary(frame),
        by_stat={str(k): _summary(g) for k, g in frame.groupby("stat")},
        by_recommendation={str(k): _summary(g) for k, g in frame.groupby("recommendation")},
        by_model=_split_by(graded, "model_version"),
        by_arm=_split_by(graded, "arm"),
        notes=(
            "Each prop counts once, at the first price served. ROI is per unit staked on every "
            "OVER/UNDER recommendation at the offered price; void = did not play (stake back)."
        ),
    )
