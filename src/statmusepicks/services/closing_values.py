"""Closing-line value of every served pick, measured once its game has closed.

A pick took a price; the market's last word before tip-off says what that price was worth.
For each graded OVER/UNDER prediction, the books that closed the same line (player, game,
stat, line) are de-vigged one by one and their fair probability of the pick's side averaged:
`clv` = that probability x decimal(taken price) - 1 is the pick's expected return valued at
the close, and `price_clv` = decimal(taken) / decimal(median closing price of the side) - 1
compares the prices themselves. Positive numbers mean the pick beat the close.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import select

from statmusepicks.core.stats import resolve_stat
from statmusepicks.data.db.models import Prediction
from statmusepicks.data.db.models_market import ClosingValue
from statmusepicks.data.db.session import session_scope
from statmusepicks.data.repositories.picks import taken_picks
from statmusepicks.data.repositories.prop_lines import opening_closing
from statmusepicks.evaluation.odds import american_to_decimal, devig
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport

JOB = "closing_values"
BETS = ("OVER", "UNDER")
PICK_KEY = ["player_id", "game_date", "stat", "line"]


def closing_values(picks: pd.DataFrame, closes: pd.DataFrame) -> pd.DataFrame:
    """CLV of each pick with a close of its line (rows without one are left out).

    `picks`: prediction_id, player_id, game_date, stat, line, side ('over'/'under'),
    taken_price. `closes`: one row per book with player_id, game_date, stat, line,
    closing_over_price, closing_under_price and closing_captured_at.
    """
    books = closes.dropna(subset=["closing_over_price", "closing_under_price"]).assign(
        p_over=lambda f: devig(
            f["closing_over_price"].astype(float), f["closing_under_price"].astype(float)
        )
    )
    joined = picks.merge(books, on=PICK_KEY, how="inner")
    if joined.empty:
        return pd.DataFrame()
    over = joined["side"].eq("over")
    joined["side_probability"] = np.where(over, joined["p_over"], 1.0 - joined["p_over"])
    joined["side_price"] = np.where(
        over, joined["closing_over_price"], joined["closing_under_price"]
    ).astype(float)
    grouped = joined.groupby("prediction_id")
    result = grouped.agg(
        side=("side", "first"),
        taken_price=("taken_price", "first"),
        closing_probability=("side_probability", "mean"),
        closing_price=("side_price", "median"),
        closing_captured_at=("closing_captured_at", "max"),
        n_books=("side_probability", "size"),
    ).reset_index()
    taken = american_to_decimal(result["taken_price"].astype(float))
    result["clv"] = result["closing_probability"] * taken - 1.0
    result["price_clv"] = taken / american_to_decimal(result["closing_price"]) - 1.0
    return result


def record_closing_values(container: Container, as_of: dt.datetime) -> JobReport:
    """Store the CLV of every graded pick whose game has closed by `as_of` and has none yet."""
    report = JobReport(job=JOB, as_of=as_of)
    with session_scope(container.sessions) as session:
        done = select(ClosingValue.prediction_id)
        rows = taken_picks(
            session,
            Prediction.graded_at.is_not(None),
            Prediction.recommendation.in_(BETS),
            Prediction.id.not_in(done),
        )
        if not rows:
            return report
        picks = pd.DataFrame(
            [
                {
                    "prediction_id": r.id,
                    "player_id": int(r.player_id),
                    "game_date": r.game_date,
                    "stat": resolve_stat(r.stat).key,
                    "line": float(r.line),
                    "side": r.recommendation.lower(),
                    "taken_price": r.odds_over if r.recommendation == "OVER" else r.odds_under,
                }
                for r in rows
            ]
        )
        props = opening_closing(
            session,
            as_of=as_of,
            since=min(picks["game_date"]),
            before=max(picks["game_date"]) + dt.timedelta(days=1),
        )
        started = props["commence_time"].notna() & (props["commence_time"] <= as_of)
        closes = props[started & props["player_id"].notna()].assign(
            player_id=lambda f: f["player_id"].astype("int64"),
            stat=lambda f: [resolve_stat(m).key for m in f["market"]],
        )
        values = closing_values(picks, closes)
        for row in values.to_dict("records"):
            session.add(
                ClosingValue(
                    prediction_id=int(row["prediction_id"]),
                    side=row["side"],
                    taken_price=int(row["taken_price"]),
                    closing_price=float(row["closing_price"]),
                    closing_probability=float(row["closing_probability"]),
                    closing_captured_at=pd.Timestamp(row["closing_captured_at"]).to_pydatetime(),
                    n_books=int(row["n_books"]),
                    clv=float(row["clv"]),
                    price_clv=float(row["price_clv"]),
                    computed_at=as_of,
                )
            )
    report.rows = len(values)
    report.details = {
        "graded_picks": len(picks),
        "without_close": len(picks) - len(values),
        "mean_clv": float(values["clv"].mean()) if len(values) else None,
    }
    return report
