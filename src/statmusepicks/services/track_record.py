"""Use case: the public track record of the served predictions, once graded.

The record counts each (player, stat, line, game date) once, at the first price served, so that
a prop asked for a hundred times does not weigh a hundred times. ROI is per unit staked at the
taken price on every OVER/UNDER recommendation; hit rates come with a 95 % Wilson interval
(about 1,400 bets at 55 % are needed to tell a record from break-even at -110). Closing-line
value sits next to ROI: ROI needs a thousand bets to say anything, while beating the closing
price is the market's own verdict on each bet, measured the day it closes
(`services/closing_values.py`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from statmusepicks.data.db.models import Prediction
from statmusepicks.data.db.models_market import ClosingValue
from statmusepicks.data.repositories.picks import PICK_COLUMNS
from statmusepicks.evaluation.daily_scores import BETS
from statmusepicks.evaluation.metrics import wilson_interval
from statmusepicks.services.container import Container

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
    clv_bets: int = Field(0, description="Bets whose line closed at a book (CLV measured).")
    clv: float | None = Field(
        None,
        description="Mean closing-line value: each bet's expected return valued at the "
        "de-vigged closing probability of its side (positive: the bet beat the close).",
    )
    price_clv: float | None = Field(
        None, description="Mean of decimal(taken price) / decimal(closing price) - 1."
    )
    beat_close_rate: float | None = Field(
        None, description="Share of those bets taken at a better price than the close."
    )
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


def _mean(values: pd.Series) -> float | None:
    return round(float(values.mean()), 4) if len(values) else None


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
    closed = bets.dropna(subset=["clv"])
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
        clv_bets=len(closed),
        clv=_mean(closed["clv"]),
        price_clv=_mean(closed["price_clv"]),
        beat_close_rate=_mean(closed["price_clv"].gt(0).astype(float)),
        brier=None if brier is None else round(brier, 4),
    )


def _split_by(graded: pd.DataFrame, column: str) -> dict[str, RecordSummary]:
    """Summaries per value of `column`, each prop counted once per value (under an A/B test
    one prop is served by both arms, to different users)."""
    return {
        str(k): _summary(g.drop_duplicates(PROP, keep="first")) for k, g in graded.groupby(column)
    }


def track_record(container: Container) -> TrackRecord:
    """Graded predictions: counts, hit rate, ROI and CLV at taken prices, Brier, by stat and
    side."""
    with container.sessions() as session:
        frame = pd.read_sql(
            select(
                *PICK_COLUMNS,
                Prediction.over_probability,
                Prediction.under_probability,
                Prediction.result,
                Prediction.profit,
                Prediction.model_version,
                Prediction.arm,
                ClosingValue.clv,
                ClosingValue.price_clv,
            )
            .outerjoin(ClosingValue, ClosingValue.prediction_id == Prediction.id)
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
            "OVER/UNDER recommendation at the offered price; void = did not play (stake back). "
            "CLV compares each bet's taken price with its line's closing price."
        ),
    )
