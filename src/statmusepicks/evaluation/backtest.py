"""Walk-forward backtests of prop pricing on stored sportsbook lines.

The engine walks the date range one day at a time. Before each day it refits the pricer on data
strictly before that day (weekly by default), prices every prop of the day without showing the
pricer the outcome, lets each strategy choose bets at the prices a bettor could have taken
before tip-off, and settles them as books do: pushes refund the stake, a player who did not play
voids the bet. Everything it computes is pure: callers load the data and write the reports.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from statmusepicks.core.errors import ValidationError
from statmusepicks.evaluation.backtest_summary import summarize_run
from statmusepicks.evaluation.backtest_types import (
    BacktestConfig,
    BacktestResult,
    Pricer,
    PricerFactory,
    ProgressCallback,
)
from statmusepicks.evaluation.bankroll import simulate_bankroll
from statmusepicks.evaluation.props import actual_from_box_scores, build_props, settle
from statmusepicks.evaluation.strategies import frontend_probability, select_bets

# Columns the pricer never sees: they are the answer.
OUTCOME_COLUMNS = ("actual", "result")


class BacktestEngine:
    """Walk-forward: refit on the past, price the day, bet, settle, repeat."""

    def __init__(self, config: BacktestConfig) -> None:
        self.config = config

    def run(
        self,
        lines: pd.DataFrame,
        history: pd.DataFrame,
        factory: PricerFactory,
        *,
        progress: ProgressCallback | None = None,
    ) -> BacktestResult:
        """Price and bet every day in the range; `history` is every known player game log."""
        config = self.config
        window = lines[
            (pd.to_datetime(lines["game_date"]).dt.date >= config.start)
            & (pd.to_datetime(lines["game_date"]).dt.date <= config.end)
        ]
        if config.markets:
            window = window[window["market"].isin(config.markets)]
        props, counts = build_props(window, config.book)
        if props.empty:
            raise ValidationError(
                f"No prop lines between {config.start} and {config.end} for book {config.book!r}"
            )
        priced = self._price_days(props, history, factory, progress)
        priced["actual"] = priced["actual"].fillna(actual_from_box_scores(priced, history))
        priced["result"] = settle(priced["actual"], priced["line"])
        priced["frontend_p_over"] = frontend_probability(
            priced["predicted"], priced["line"], config.staking.frontend_scale
        )
        bets = select_bets(priced, config.strategies, config.staking)
        bets, curves = simulate_bankroll(bets, priced["game_date"].unique(), config)
        summary = summarize_run(config, priced, bets, curves, counts, factory.name)
        return BacktestResult(config, factory.name, priced, bets, curves, summary)

    def _price_days(
        self,
        props: pd.DataFrame,
        history: pd.DataFrame,
        factory: PricerFactory,
        progress: ProgressCallback | None,
    ) -> pd.DataFrame:
        history = history.assign(game_date=pd.to_datetime(history["game_date"]).dt.date)
        history = history.sort_values("game_date", kind="stable").reset_index(drop=True)
        history_dates = history["game_date"].to_numpy()
        days = sorted(props["game_date"].unique())
        pricer: Pricer | None = None
        fitted_on: dt.date | None = None
        priced_days: list[pd.DataFrame] = []
        for number, day in enumerate(days, start=1):
            before = history.iloc[: int(np.searchsorted(history_dates, day, side="left"))]
            if fitted_on is None or (day - fitted_on).days >= self.config.refit_days:
                pricer, fitted_on = factory.fit(day, before), day
            assert pricer is not None
            today = props[props["game_date"] == day]
            answer = pricer.price(
                today.drop(columns=list(OUTCOME_COLUMNS), errors="ignore"), before
            )
            priced_days.append(today.join(_checked_prices(answer, today), how="left"))
            if progress is not None:
                progress(day, number, len(days))
        priced = pd.concat(priced_days)
        priced["refit_cadence_days"] = self.config.refit_days
        return priced


def _checked_prices(answer: pd.DataFrame, props: pd.DataFrame) -> pd.DataFrame:
    required = ["p_over", "p_under", "p_push"]
    missing = [column for column in required if column not in answer.columns]
    if missing:
        raise ValidationError(f"pricer answer lacks columns {missing}")
    answer = answer.reindex(props.index)
    if "predicted" not in answer.columns:
        answer = answer.assign(predicted=np.nan)
    return answer[[*required, "predicted"]].astype(float)
