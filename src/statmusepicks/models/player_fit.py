"""Per-player models: one task per (player, stat), shrunk towards the global model.

Players with `min_games`+ games before the validation season get candidates blended with the
global prediction at weight n / (n + shrink_games); a candidate is kept only if it beats the
global model on the player's validation games by `min_player_gain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from statmusepicks.models.bundle import PlayerModel
from statmusepicks.models.dataset import target_column
from statmusepicks.models.estimators import as_matrix, make_estimator
from statmusepicks.models.global_fit import GlobalFit, monotone_features, respects_monotone
from statmusepicks.models.train_config import TrainConfig


@dataclass
class PlayerTask:
    """One player's labelled rows for one stat, with the global predictions to blend with."""

    stat: str
    player_id: int
    rows: pd.DataFrame
    features: list[str]
    global_valid: pd.Series
    global_test: pd.Series | None


@dataclass
class PlayerResult:
    """The winner on the player's validation games and what it produced."""

    stat: str
    player_id: int
    winner: str
    valid_mae: dict[str, float]
    test_pred: pd.Series | None
    model: PlayerModel | None


def _matrix(rows: pd.DataFrame, features: list[str]) -> np.ndarray:
    """The rows' features as a plain float array in the model's column order.

    A player's fits are small (a few hundred rows), so per-call overheads dominate them: with a
    frame, XGBoost compares the column names on every boosting round and scikit-learn checks
    them on every step. Serving passes plain arrays to these models too (`predict_rows`).
    """
    return as_matrix(rows, features).to_numpy(np.float64)


def fit_player(_shared: Any, task: PlayerTask, config: TrainConfig) -> PlayerResult:
    """Pick the player's best shrunk variant on validation; refit it for test and production."""
    split = config.split
    column = target_column(task.stat)
    rows = task.rows
    train = rows[rows["season"] <= split.train_last]
    valid = rows[rows["season"] == split.valid]
    shrink = len(train) / (len(train) + config.shrink_games)
    yv = valid[column].to_numpy(float)
    gv = task.global_valid.reindex(valid.index).to_numpy(float)
    scores = {"global": float(np.mean(np.abs(gv - yv)))}
    estimators = {}
    monotone = monotone_features(column, task.features)
    # By position, as the player's matrices are plain arrays (see `_matrix`).
    constraints = tuple(monotone.get(name, 0) for name in task.features)
    for kind in config.player_kinds:
        params = {"monotone_constraints": constraints} if kind == "xgboost" else None
        model = make_estimator(kind, size="player", params=params).fit(
            _matrix(train, task.features), train[column].to_numpy(float)
        )
        if not respects_monotone(model, task.features, monotone):
            continue
        own = model.predict(_matrix(valid, task.features))
        blended = np.maximum(shrink * own + (1 - shrink) * gv, 0.0)
        scores[kind] = float(np.mean(np.abs(blended - yv)))
        estimators[kind] = model
    winner = min(scores, key=scores.__getitem__)
    if scores[winner] > scores["global"] * (1.0 - config.min_player_gain):
        winner = "global"
    if winner == "global":
        return PlayerResult(task.stat, task.player_id, winner, scores, task.global_test, None)

    test_pred = None
    if task.global_test is not None and split.test:
        before = rows[rows["season"] <= split.valid]
        test = rows[rows["season"] == split.test]
        refit = clone(estimators[winner]).fit(
            _matrix(before, task.features), before[column].to_numpy(float)
        )
        own = refit.predict(_matrix(test, task.features))
        gt = task.global_test.reindex(test.index).to_numpy(float)
        test_pred = pd.Series(np.maximum(shrink * own + (1 - shrink) * gt, 0.0), index=test.index)
    production = estimators[winner]
    if config.refit_production:
        production = clone(estimators[winner]).fit(
            _matrix(rows, task.features), rows[column].to_numpy(float)
        )
    player = PlayerModel(production, winner, shrink, len(train), scores[winner], scores["global"])
    return PlayerResult(task.stat, task.player_id, winner, scores, test_pred, player)


def eligible_players(frame: pd.DataFrame, config: TrainConfig) -> dict[int, pd.DataFrame]:
    """Each player with `min_games` games before the validation season, with all his rows."""
    split = config.split
    history = frame[frame["season"] <= split.train_last]
    games = history.groupby("player_id").size()
    eligible = set(games[games >= config.min_games].index)
    # Only players still playing in the season the models are for (test or latest) matter.
    latest = split.test or str(frame["season"].max())
    eligible &= set(frame.loc[frame["season"] == latest, "player_id"])
    if config.players:
        eligible &= set(config.players)
    return {pid: rows for pid, rows in frame.groupby("player_id") if pid in eligible}


def player_tasks(
    by_player: dict[int, pd.DataFrame], fits: dict[str, GlobalFit], config: TrainConfig
) -> list[tuple[str, tuple[Any, ...]]]:
    """(player, stat) tasks of the eligible players (`eligible_players`) with 10+ labelled
    validation games."""
    split = config.split
    stats = [s for s in (config.player_stats or config.stats) if s in fits]
    tasks = []
    for stat in stats:
        fit = fits[stat]
        column = target_column(stat)
        keep = ["season", "game_date", column, *fit.features]
        for pid, rows in by_player.items():
            labelled_rows = rows[rows[column].notna()][keep]
            if (labelled_rows["season"] == split.valid).sum() < 10:
                continue
            # Only the player's own global predictions travel with the task: the whole
            # stat's (26k validation rows) would be serialised into each of ~1,000 tasks.
            global_valid = fit.valid_pred.reindex(labelled_rows.index).dropna()
            global_test = (
                None
                if fit.test_pred is None
                else fit.test_pred.reindex(labelled_rows.index).dropna()
            )
            task = PlayerTask(
                stat, int(pid), labelled_rows, fit.features, global_valid, global_test
            )
            tasks.append((f"{stat}:{pid}", (task, config)))
    return tasks
