"""What a training run fits and how: the configuration and its two presets (quick, evaluation)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from statmusepicks.core.stats import BASE_STATS
from statmusepicks.models.dataset import SeasonSplit
from statmusepicks.models.estimators import KINDS
from statmusepicks.models.tuning import PATIENCE


@dataclass(frozen=True)
class TrainConfig:
    """What to train and how."""

    stats: tuple[str, ...] = BASE_STATS
    players: tuple[int, ...] | None = None
    quick: bool = False
    split: SeasonSplit = field(
        default_factory=lambda: SeasonSplit(
            train_first="2018-19", train_last="2023-24", valid="2024-25", test=""
        )
    )
    kinds: tuple[str, ...] = KINDS
    variants: tuple[str, ...] = (*KINDS, "ensemble", "stacking")
    per_player: bool = True
    player_kinds: tuple[str, ...] = ("elasticnet", "xgboost")
    player_stats: tuple[str, ...] | None = None
    min_games: int = 50
    # Prior strength in games: a player with 200 games before validation gets weight 0.5.
    shrink_games: float = 200.0
    # A player model must beat the global one by this share of validation MAE to be kept. With
    # a 100-game prior and no margin, player models that won on 2023-24 lost on the 2024-25
    # test season (points MAE 4.539 served vs 4.486 global-only; docs/modelling.md).
    min_player_gain: float = 0.02
    evaluate_test: bool = False
    refit_lines: bool = True
    refit_production: bool = True
    lines_season: str = "2025-26"
    line_cutoff: dt.date | None = None
    use_ray: bool = True
    ray_address: str | None = None
    progress: bool = True
    n_jobs: int = 1
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Optuna trials per stat, run inside the stat's global-fit task on the matrices it builds
    # (tuning.py); the study is stored in `tuning_storage` (the application database).
    trials: int = 0
    tuning_storage: str | None = None
    # Reports without improvement before a trial stops; None grows every drawn forest fully.
    tuning_patience: int | None = PATIENCE
    # True: the stack learns its mix on copies of the members fitted on the earlier 70 % of the
    # window (one more fit of every member) and re-learns it so on each refit. False: the mix
    # is learnt on the validation season's predictions of the selection fits, as the weighted
    # vote's weights are, and kept on refits.
    restack: bool = False


def quick_config(**overrides: Any) -> TrainConfig:
    """Global XGBoost + ElasticNet ensembles for every base stat, fitted once (a few minutes).

    Trained on 2020-21 .. 2023-24 and validated on 2024-25; that one fit also prices the
    2025-26 lines and serves, so each stat costs one fit of two small models.
    """
    config = TrainConfig(
        quick=True,
        split=SeasonSplit(train_first="2020-21", train_last="2023-24", valid="2024-25", test=""),
        kinds=("xgboost", "elasticnet"),
        variants=("ensemble",),
        per_player=False,
        refit_lines=False,
        refit_production=False,
    )
    return replace(config, **overrides)


def evaluation_config(**overrides: Any) -> TrainConfig:
    """The evaluation protocol: train to 2022-23, validate 2023-24, test 2024-25, then the lines.

    2024-25 is the last complete season, so it is the out-of-time test; the seasons before it
    are split the same way production splits the seasons before 2025-26 (docs/modelling.md).
    """
    config = TrainConfig(
        split=SeasonSplit(
            train_first="2018-19", train_last="2022-23", valid="2023-24", test="2024-25"
        ),
        evaluate_test=True,
        # The test model (fitted through 2023-24) prices the 2025-26 lines: one fit fewer per
        # stat, and still fitted only on games before every line's date.
        refit_lines=False,
        refit_production=False,
    )
    return replace(config, **overrides)
