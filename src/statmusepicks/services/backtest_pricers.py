"""Backtest pricers built on the trained models (statmusepicks.models), walk-forward.

At each refit date the factory
- retrains the mean models (quick configuration: XGBoost + ElasticNet ensembles) on feature rows
  dated before that date, when `model_refit_days` have passed since the last training (training
  is minutes per stat on 2 cores, so by default it happens once per 4 weeks);
- refits, every time, the isotonic calibrator and the market-stacking weights on the props it
  has already priced whose games are now in the past, settled from the box scores it is given.
Each day's props are priced from features built on games strictly before that day. So every
number the pricer uses was available before the day it prices; nothing is fitted on the lines
being scored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from statmusepicks.core.seasons import season_of, seasons_before
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import BASE_STATS, BOOK_MARKETS, GLOBAL_SCOPE, resolve_stat
from statmusepicks.data.ingest.bundled import read_team_logs
from statmusepicks.evaluation.pricers import PRICE_COLUMNS, stat_values
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.models.calibration import CalibratorRegistry
from statmusepicks.models.dataset import SeasonSplit
from statmusepicks.models.distributions import split_line
from statmusepicks.models.market import MarketStacker
from statmusepicks.models.predictor import COLUMN_STAT, Predictor
from statmusepicks.models.train_config import TrainConfig, quick_config
from statmusepicks.models.training import train_models

# Seasons of box scores the training frame spans (3 to train, the last complete one to
# validate, the current one refit into production), and the seasons features are built from.
TRAIN_SEASONS = 4
FEATURE_SEASONS = 2
# XGBoost alone: the quick ensemble's ElasticNet member took 220 s per stat to refit on this
# 2-core machine against 40 s for XGBoost, and a walk-forward run refits every stat.
WALK_FORWARD_TRAINING = {"kinds": ("xgboost",), "variants": ("xgboost",)}


def _components(market: str) -> list[str]:
    return [COLUMN_STAT[column] for column in resolve_stat(market).columns]


# The base stats the book markets are built from (turnovers have no market to price).
MARKET_STATS = tuple(
    stat for stat in BASE_STATS if any(stat in _components(market) for market in BOOK_MARKETS)
)


@dataclass
class ModelPricerFactory:
    """Walk-forward model pricer; `market_aware` stacks it with the de-vigged market."""

    team_logs: pd.DataFrame
    market_aware: bool = False
    stats: tuple[str, ...] = MARKET_STATS
    model_refit_days: int = 28
    train_config: TrainConfig = field(
        default_factory=lambda: quick_config(
            use_ray=False, progress=False, refit_production=True, **WALK_FORWARD_TRAINING
        )
    )
    predictor_: Predictor | None = None
    trained_on_: dt.date | None = None
    priced_: list[pd.DataFrame] = field(default_factory=list)
    fits_: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """`model` or `market_aware`."""
        return "market_aware" if self.market_aware else "model"

    def fit(self, as_of: dt.date, history: pd.DataFrame) -> FittedModelPricer:
        """Retrain when due, then refit calibration and stacking on settled earlier props."""
        if self.trained_on_ is None or (as_of - self.trained_on_).days >= self.model_refit_days:
            self.predictor_ = self._train(as_of, history)
            self.trained_on_ = as_of
        assert self.predictor_ is not None
        calibrators, stacker, rows = self._fit_market_models(history)
        self.fits_.append(
            {
                "as_of": as_of.isoformat(),
                "models_trained_on": self.trained_on_.isoformat(),
                "settled_props": rows,
            }
        )
        return FittedModelPricer(self, self.predictor_, calibrators, stacker, history)

    def _train(self, as_of: dt.date, history: pd.DataFrame) -> Predictor:
        season = season_of(as_of)
        first = seasons_before(season, TRAIN_SEASONS + 1)
        logs = history[history["season"] >= first]
        teams = self.team_logs[pd.to_datetime(self.team_logs["game_date"]).dt.date < as_of]
        frame = build_feature_frame(logs, teams)
        split = SeasonSplit(
            train_first=seasons_before(season, TRAIN_SEASONS),
            train_last=seasons_before(season, 2),
            valid=seasons_before(season, 1),
            test="",
        )
        config = replace(self.train_config, stats=self.stats, split=split)
        run = train_models(frame, config)
        return Predictor.from_models([m for m in run.models if m.scope == GLOBAL_SCOPE])

    def _fit_market_models(
        self, history: pd.DataFrame
    ) -> tuple[CalibratorRegistry, MarketStacker, int]:
        """Calibrator and stacking weights per stat from props priced earlier, now settled."""
        calibrators, stacker = CalibratorRegistry(), MarketStacker()
        if not self.priced_:
            return calibrators, stacker, 0
        priced = pd.concat(self.priced_, ignore_index=True)
        settled = _settle_from_box_scores(priced, history)
        for stat, group in settled.groupby("market"):
            key = str(stat)
            calibrators.fit(key, group["p_raw"], group["over"])
            stacker.fit(
                key,
                calibrators.calibrate(key, group["p_raw"]),
                group["market_p_over"],
                group["over"],
            )
        return calibrators, stacker, len(settled)


def _settle_from_box_scores(priced: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Over (1) or under (0) of earlier props from the box scores; pushes and voids dropped."""
    parts = []
    for market, rows in priced.groupby("market"):
        values = stat_values(history, str(market))
        actual = pd.DataFrame(
            {
                "player_id": history["player_id"].to_numpy(),
                "game_date": history["game_date"],
                "actual": values.to_numpy(),
            }
        )
        merged = rows.merge(actual, on=["player_id", "game_date"], how="inner")
        merged = merged[merged["actual"] != merged["line"]]
        parts.append(merged.assign(over=(merged["actual"] > merged["line"]).astype(float)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


@dataclass
class FittedModelPricer:
    """Prices one day at a time from features built on games before that day."""

    factory: ModelPricerFactory
    predictor: Predictor
    calibrators: CalibratorRegistry
    stacker: MarketStacker
    fit_history: pd.DataFrame

    def price(self, props: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
        """P(over/under/push) per prop: model, calibrated, stacked with the market if asked."""
        out = pd.DataFrame(np.nan, index=props.index, columns=PRICE_COLUMNS)
        if props.empty:
            return out
        day = props["game_date"].iloc[0]
        targets = _targets(props, history)
        priceable = targets["team"].notna() & props["market"].map(
            lambda m: all(c in self.predictor.global_models for c in _components(str(m)))
        )
        if not priceable.any():
            return out
        season = season_of(day)
        logs = history[history["season"] >= seasons_before(season, FEATURE_SEASONS - 1)]
        teams = self.factory.team_logs
        teams = teams[
            (pd.to_datetime(teams["game_date"]).dt.date < day)
            & (teams["season"] >= seasons_before(season, FEATURE_SEASONS - 1))
        ]
        chosen = targets[priceable]
        features = build_feature_frame(logs, teams, chosen.reset_index(drop=True))
        features.index = chosen.index
        raw_rows = []
        for market, index in chosen.groupby("market").groups.items():
            key = str(market)
            rows = features.loc[index]
            pricing = self.predictor.price(rows, key)
            lines = props.loc[index, "line"].to_numpy(float)
            over, under, push = _split(
                pricing.family, pricing.mean, pricing.variance, lines, pricing.lattice
            )
            p_raw = np.clip(over / np.maximum(over + under, 1e-12), 1e-4, 1 - 1e-4)
            p_cal = self.calibrators.calibrate(key, p_raw) if self.calibrators.has(key) else p_raw
            market_p = props.loc[index, "market_p_over"].to_numpy(float)
            p_over = (
                self.stacker.combine(key, p_cal, market_p) if self.factory.market_aware else p_cal
            )
            no_push = 1.0 - push
            out.loc[index, "p_over"] = p_over * no_push
            out.loc[index, "p_under"] = (1.0 - p_over) * no_push
            out.loc[index, "p_push"] = push
            out.loc[index, "predicted"] = pricing.mean
            raw_rows.append(
                pd.DataFrame(
                    {
                        "player_id": props.loc[index, "player_id"].to_numpy(),
                        "game_date": day,
                        "market": key,
                        "line": lines,
                        "p_raw": p_raw,
                        "market_p_over": market_p,
                    }
                )
            )
        self.factory.priced_.extend(raw_rows)
        return out.astype(float)


def _split(
    families: list[str], mean: np.ndarray, variance: np.ndarray, line: np.ndarray, lattice: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    over, under, push = (np.empty(len(line)) for _ in range(3))
    family = np.asarray(families, dtype=object)
    for name in set(families):
        mask = family == name
        o, u, p = split_line(name, mean[mask], variance[mask], line[mask], lattice)
        over[mask], under[mask], push[mask] = o, u, p
    return over, under, push


def _targets(props: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Feature targets: the player's latest team before the day, opponent and venue."""
    latest = history.sort_values("game_date", kind="stable").drop_duplicates(
        "player_id", keep="last"
    )
    team = props["player_id"].map(latest.set_index("player_id")["team"])
    home = props["home_team"]
    away = props["away_team"]
    plays_here = (team == home) | (team == away)
    team = team.where(plays_here)
    return pd.DataFrame(
        {
            "player_id": props["player_id"],
            "game_date": pd.to_datetime(props["game_date"]),
            "team": team,
            "opp": np.where(team == home, away, home),
            "is_home": (team == home).to_numpy(),
            "season": props["game_date"].map(season_of),
            "market": props["market"],
            "stat": props["market"],
            "line": props["line"],
        },
        index=props.index,
    )


def model_pricer_factory(
    settings: Settings, *, market_aware: bool, markets: tuple[str, ...] | None = None
) -> ModelPricerFactory:
    """The walk-forward model pricer over the bundled team logs (features need every team).

    Only the base stats the requested markets are built from are trained (all by default).
    """
    factory = ModelPricerFactory(
        read_team_logs(settings.bundled_data_dir), market_aware=market_aware
    )
    if markets:
        needed = {stat for market in markets for stat in _components(market)}
        factory.stats = tuple(stat for stat in factory.stats if stat in needed)
    return factory
