"""The nightly refit of calibration and the market stack on every settled line in the database.

Walk-forward: run as of a moment, the refit reads only lines of games before that moment's local
date, each book's closing main line captured by then, settled against the stored box scores. A
stat is refitted once it has MARKET_REFIT_MIN_PROPS settled props; until then it keeps the
weights it had. The serving champions price those lines (features from games strictly before
each line's date, so a line's own outcome is never an input); per stat, the isotonic calibrator
and the logistic model/market stack are fitted on them (`models/line_pricing.fit_line_models`,
the same code training uses) and stored in `market_fits` with the window, the line count, and
the Brier score of the weights served until now and of the new ones on the same lines. This
process's predictor is reloaded with the new weights at once (the worker's board and a replay
serve from it); other processes pick the fit up at their next promotion check
(`services/market_fits`).

Lines inside the champions' training window are in-sample for the model's mean: a production
model refitted through the latest season has seen those games, which flatters its weight in
the stack. Lines of games after `trained_through` are out of sample; the stored window and the
models' `trained_through` say which is which.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss
from sqlalchemy.orm import Session

from statmusepicks.core.seasons import previous_season, season_of
from statmusepicks.data.db.models_market import MarketFit
from statmusepicks.data.db.session import session_scope
from statmusepicks.data.repositories import players as repo
from statmusepicks.data.repositories.market_fits import replace_market_fits
from statmusepicks.data.repositories.prop_lines import settled_closing_lines
from statmusepicks.evaluation.baselines import market_lines
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.models.calibration import CalibratorRegistry
from statmusepicks.models.line_pricing import fit_line_models, model_probabilities
from statmusepicks.models.market import MarketStacker
from statmusepicks.models.predictor import Predictor, load_predictor
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport
from statmusepicks.services.market_fits import stacked_models, with_market_fits
from statmusepicks.services.predictions import prediction_service

JOB = "market_refit"


def local_day(container: Container, as_of: dt.datetime) -> dt.date:
    """The as-of moment's date where the games are played (SYNC_TIMEZONE)."""
    return as_of.astimezone(ZoneInfo(container.settings.sync_timezone)).date()


def settled_market_lines(container: Container, as_of: dt.datetime) -> pd.DataFrame:
    """Every book's closing main line of games before `as_of`'s date, settled and de-vigged
    (the columns of `evaluation.baselines.market_lines`)."""
    with container.sessions() as session:
        lines = settled_closing_lines(session, as_of=as_of, before=local_day(container, as_of))
    return market_lines(lines) if not lines.empty else pd.DataFrame()


def line_features(session: Session, lines: pd.DataFrame, before: dt.date) -> pd.DataFrame:
    """Feature rows of the lines' player-games, built from box scores before `before` only."""
    first = pd.Timestamp(lines["game_date"].min()).date()
    since = previous_season(season_of(first))
    logs = repo.all_player_logs(session)
    logs = logs[(logs["game_date"] < before) & (logs["season"] >= since)]
    teams = repo.team_game_logs(session)
    teams = teams[teams["game_date"] < before]
    wanted = lines[["player_id", "game_date"]].drop_duplicates()
    wanted = wanted.assign(game_date=pd.to_datetime(wanted["game_date"]).dt.date)
    targets = logs.merge(wanted, on=["player_id", "game_date"])[
        ["player_id", "game_date", "team", "opp", "is_home"]
    ]
    if targets.empty:
        return pd.DataFrame()
    return build_feature_frame(logs, teams, targets)


def _brier(over: pd.Series, probability: Any) -> float:
    return float(brier_score_loss(over.to_numpy(float), np.clip(probability, 0.0, 1.0)))


def fit_rows(
    priced: pd.DataFrame,
    served: Predictor,
    calibrators: CalibratorRegistry,
    stacker: MarketStacker,
    fitted_at: dt.datetime,
) -> list[MarketFit]:
    """One `market_fits` row per stat with fitted stack weights."""
    rows = []
    for stat, group in priced.groupby("stat"):
        stat = str(stat)
        if stat not in stacker.weights:
            continue
        days = pd.to_datetime(group["game_date"])
        before = served.stacker.combine(stat, group["p_model"], group["p_market"])
        after = stacker.combine(stat, group["p_model"], group["p_market"])
        rows.append(
            MarketFit(
                stat=stat,
                fitted_at=fitted_at,
                window_start=days.min().date(),
                window_end=days.max().date(),
                n_lines=len(group),
                model_version=stacked_models(served, stat),
                weights=stacker.weights[stat].as_dict(),
                calibration=calibrators.knots(stat) if calibrators.has(stat) else None,
                brier_before=_brier(group["over"], before),
                brier_after=_brier(group["over"], after),
                brier_market=_brier(group["over"], group["p_market"]),
            )
        )
    return rows


def refit_market_stack(container: Container, as_of: dt.datetime) -> JobReport:
    """Refit and store each stat's calibrator and stack on the lines settled before `as_of`."""
    report = JobReport(job=JOB, as_of=as_of)
    lines = settled_market_lines(container, as_of)
    if lines.empty:
        report.details["skipped"] = "no settled lines before as_of"
        return report
    # What served until now: the champions with the newest refit stored before `as_of`.
    served = with_market_fits(container, load_predictor(container.settings), fitted_before=as_of)
    if not served.global_models:
        report.details["skipped"] = "no champion models to price the lines"
        return report
    pricing = Predictor(global_models=served.global_models, correlation=served.correlation)
    before = local_day(container, as_of)
    with container.sessions() as session:
        frame = line_features(session, lines, before)
    priced = model_probabilities(pricing, frame, lines) if not frame.empty else pd.DataFrame()
    if priced.empty:
        report.details["skipped"] = "no settled line has a feature row"
        return report
    props = priced.drop_duplicates(["stat", "player_id", "game_date"])["stat"].value_counts()
    enough = props[props >= container.settings.market_refit_min_props].index
    too_few = {str(stat): int(n) for stat, n in props.items() if stat not in enough}
    fitted = priced[priced["stat"].isin(enough)]
    if fitted.empty:
        report.details = {"skipped": "too few settled props for every stat", "props": too_few}
        return report
    calibrators, stacker = fit_line_models(fitted)
    fits = fit_rows(fitted, served, calibrators, stacker, as_of)
    with session_scope(container.sessions) as session:
        replace_market_fits(session, as_of, fits)
    if fits:
        # A predictor loaded once would serve the weights of its load time all season.
        prediction_service(container).champions.reload()
    report.rows = len(fits)
    report.details = {
        "settled_lines": len(lines),
        "priced_lines": len(priced),
        "fits": {
            fit.stat: {
                "n_lines": fit.n_lines,
                "window": [fit.window_start.isoformat(), fit.window_end.isoformat()],
                "weights": fit.weights,
                "brier_before": fit.brier_before,
                "brier_after": fit.brier_after,
                "brier_market": fit.brier_market,
            }
            for fit in fits
        },
        # Settled props of the stats left with their earlier weights (the market's, at first).
        "too_few_props": too_few,
    }
    return report
