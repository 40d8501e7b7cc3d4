"""Pricing real prop lines with the models fitted before the line season, then calibrating.

Isotonic calibrators and market-stacking weights are fitted on the lines before `line_cutoff`
(validation-period lines) and scored on the rest; they are stored in the owning global bundle.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.core.stats import GLOBAL_SCOPE, STATS
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.calibration import CalibratorRegistry
from statmusepicks.models.distributions import split_line
from statmusepicks.models.global_fit import GlobalFit
from statmusepicks.models.market import MarketStacker
from statmusepicks.models.predictor import COLUMN_STAT, Predictor
from statmusepicks.models.train_config import TrainConfig

# Combos ride with the model of their first component for calibration and stacking storage.
LINE_STATS_OWNER = {key: COLUMN_STAT[spec.columns[0]] for key, spec in STATS.items()}


def lines_predictor(fits: dict[str, GlobalFit], correlation: pd.DataFrame) -> Predictor:
    """A predictor over the models fitted before the line season (no calibration yet)."""
    models = [
        StatModel(
            stat=s,
            scope=GLOBAL_SCOPE,
            variant=f.variant,
            features=f.features,
            spread=f.spread,
            estimator=f.lines_estimator,
            version="lines",
        )
        for s, f in fits.items()
    ]
    predictor = Predictor.from_models(models)
    predictor.correlation = correlation
    return predictor


def model_probabilities(
    predictor: Predictor, frame: pd.DataFrame, lines: pd.DataFrame
) -> pd.DataFrame:
    """The predictor's raw P(over) (no push) for each settled line with a feature row.

    `lines` holds player_id, game_date, stat, line, p_market and over (1/0, NaN for pushes
    and void bets; those rows are left out); `frame` the feature rows of the lines' games.
    """
    keyed = frame.assign(_day=pd.to_datetime(frame["game_date"]).dt.normalize())
    priced = lines.assign(_day=pd.to_datetime(lines["game_date"]).dt.normalize())
    priced = priced[priced["over"].notna()]
    parts = []
    for stat, group in priced.groupby("stat"):
        components = [COLUMN_STAT[c] for c in STATS[str(stat)].columns]
        if not all(c in predictor.global_models for c in components):
            continue
        rows = group.merge(
            keyed.drop(columns=["stat", "line"], errors="ignore"),
            on=["player_id", "_day"],
            how="inner",
            suffixes=("", "_frame"),
        )
        if rows.empty:
            continue
        pricing = predictor.price(rows, str(stat))
        over, under, _ = split_line(
            pricing.family[0] if len(set(pricing.family)) == 1 else "normal",
            pricing.mean,
            pricing.variance,
            rows["line"].to_numpy(float),
            pricing.lattice,
        )
        if len(set(pricing.family)) > 1:
            for fam in set(pricing.family):
                mask = np.array([f == fam for f in pricing.family])
                o, u, _ = split_line(
                    fam,
                    pricing.mean[mask],
                    pricing.variance[mask],
                    rows["line"].to_numpy(float)[mask],
                    pricing.lattice,
                )
                over[mask], under[mask] = o, u
        parts.append(
            pd.DataFrame(
                {
                    "player_id": rows["player_id"].to_numpy(),
                    "game_date": rows["_day"].to_numpy(),
                    "stat": stat,
                    "bookmaker": rows.get("bookmaker", pd.Series("", index=rows.index)).to_numpy(),
                    "line": rows["line"].to_numpy(float),
                    "mean": pricing.mean,
                    "p_market": rows["p_market"].to_numpy(float),
                    "over": rows["over"].to_numpy(float),
                    "p_model": np.clip(over / np.maximum(over + under, 1e-12), 1e-4, 1 - 1e-4),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def fit_line_models(priced: pd.DataFrame) -> tuple[CalibratorRegistry, MarketStacker]:
    """Per stat: the isotonic calibrator of p_model and the logistic model/market stack."""
    calibrators, stacker = CalibratorRegistry(), MarketStacker()
    for stat, group in priced.groupby("stat"):
        calibrators.fit(str(stat), group["p_model"], group["over"])
        # Stacked on the raw model logit: the logistic fit is itself a (Platt) calibration, and
        # isotonic values fitted on these same rows would flatter the model to the stacker.
        stacker.fit(str(stat), group["p_model"], group["p_market"], group["over"])
    return calibrators, stacker


def price_lines(
    frame: pd.DataFrame,
    lines: pd.DataFrame,
    fits: dict[str, GlobalFit],
    correlation: pd.DataFrame,
    config: TrainConfig,
) -> pd.DataFrame:
    """Model, calibrated and market-aware P(over) for settled lines of the line season.

    `lines` holds player_id, game_date, stat, line, p_market and over (1/0, NaN for pushes and
    void bets). Calibrators and stacking weights are fitted on the rows dated before
    `config.line_cutoff` (all rows when None) and applied to every row; `period` says which.
    """
    predictor = lines_predictor(fits, correlation)
    result = model_probabilities(predictor, frame[frame["season"] >= config.lines_season], lines)
    if result.empty:
        return result
    cutoff = pd.Timestamp(config.line_cutoff) if config.line_cutoff else None
    result["period"] = (
        "calibration"
        if cutoff is None
        else np.where(result["game_date"] < cutoff, "calibration", "evaluation")
    )
    calibrators, stacker = fit_line_models(result[result["period"] == "calibration"])
    result["p_calibrated"] = np.nan
    result["p_market_aware"] = np.nan
    for stat, index in result.groupby("stat").groups.items():
        raw = result.loc[index, "p_model"]
        result.loc[index, "p_calibrated"] = calibrators.calibrate(str(stat), raw)
        result.loc[index, "p_market_aware"] = stacker.combine(
            str(stat), raw, result.loc[index, "p_market"]
        )
    result.attrs["calibrators"] = calibrators
    result.attrs["stacker"] = stacker
    return result


def attach_market_models(models: list[StatModel], priced: pd.DataFrame) -> None:
    """Store each line stat's calibrator and stacking weights in the owning global bundle."""
    if priced.empty:
        return
    calibrators: CalibratorRegistry = priced.attrs["calibrators"]
    stacker: MarketStacker = priced.attrs["stacker"]
    owners = {m.stat: m for m in models if m.scope == GLOBAL_SCOPE}
    for stat in set(calibrators.calibrators) | set(stacker.weights):
        owner = owners.get(LINE_STATS_OWNER.get(stat, stat))
        if owner is None:
            continue
        if stat in calibrators.calibrators:
            owner.calibrators[stat] = calibrators.calibrators[stat]
        if stat in stacker.weights:
            owner.stacks[stat] = stacker.weights[stat]
