"""The faster training path: tuning inside the global fit, forests capped on validation, stacks
refitted with their mix kept."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import optuna
import pandas as pd
from sklearn.base import clone
from xgboost import XGBRegressor

from statmusepicks.models.dataset import SeasonSplit
from statmusepicks.models.estimators import (
    StackingEnsemble,
    WeightedEnsemble,
    make_estimator,
    member_predict,
    predict_rows,
)
from statmusepicks.models.global_fit import (
    FOREST_TOLERANCE,
    _members,
    _refit,
    capped_forest,
    fit_global,
    tuning_threads,
)
from statmusepicks.models.player_fit import eligible_players, fit_player, player_tasks
from statmusepicks.models.train_config import TrainConfig, quick_config
from statmusepicks.models.tuning import BEST_ROUNDS, REPORT_EVERY, tune_matrices


def _frame(seed: int = 0, rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for season in ("2021-22", "2022-23", "2023-24", "2024-25"):
        level = rng.uniform(4, 25, rows)
        parts.append(
            pd.DataFrame(
                {
                    "player_id": rng.integers(1, 60, rows),
                    "player_name": "p",
                    "game_id": [f"{season}-{i}" for i in range(rows)],
                    "game_date": pd.Timestamp(f"20{season[-2:]}-01-01"),
                    "season": season,
                    "team": "DEN",
                    "opp": "LAL",
                    "f_pts_season": level,
                    "f_pts_sma10": level + rng.normal(0, 2, rows),
                    "f_noise": rng.normal(size=rows),
                    "pts": rng.poisson(level).astype(float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _matrices() -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
    frame = _frame()
    features = ["f_pts_season", "f_pts_sma10", "f_noise"]
    train, valid = frame[frame["season"] < "2024-25"], frame[frame["season"] == "2024-25"]
    return (
        train[features],
        train["pts"].to_numpy(float),
        valid[features],
        valid["pts"].to_numpy(float),
    )


def test_trials_stop_at_their_best_forest_size_on_validation() -> None:
    x, y, xv, yv = _matrices()
    storage = optuna.storages.InMemoryStorage()
    result = tune_matrices(
        x, y, xv, yv, name="t", storage=storage, trials=4, max_rounds=300, patience=1
    )
    study = optuna.load_study(study_name="t", storage=storage)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert done
    for trial in done:
        assert trial.user_attrs[BEST_ROUNDS] <= trial.params["n_estimators"]
        assert trial.user_attrs[BEST_ROUNDS] % REPORT_EVERY == 0
    assert result.best_params["n_estimators"] == study.best_trial.user_attrs[BEST_ROUNDS]
    # 4 noisy features and 1,200 rows overfit long before 300 trees: some trial stopped early.
    assert any(t.user_attrs[BEST_ROUNDS] < t.params["n_estimators"] for t in done)


def test_without_patience_every_drawn_forest_is_grown_and_scored_whole() -> None:
    x, y, xv, yv = _matrices()
    result = tune_matrices(x, y, xv, yv, name="t", storage=None, trials=2, patience=None)
    assert result.best_params["n_estimators"] >= 100


def test_a_refitted_stack_keeps_its_mix_and_refits_its_members() -> None:
    x, y, xv, yv = _matrices()
    members = {k: make_estimator(k, size="player") for k in ("xgboost", "elasticnet")}
    stack = StackingEnsemble(dict(members)).fit(x, y)
    longer = pd.concat([x, xv])
    target = np.concatenate([y, yv])
    refitted = stack.refit_members(members, longer, target)
    assert refitted.final_ is stack.final_
    expected = stack.final_.predict(
        np.column_stack([m.fit(longer, target).predict(xv) for m in members.values()])
    )
    np.testing.assert_allclose(refitted.predict(xv), expected)


def test_a_tuned_global_fit_serves_the_tuned_forest() -> None:
    split = SeasonSplit(train_first="2021-22", train_last="2023-24", valid="2024-25", test="")
    only_xgboost = {"kinds": ("xgboost",), "variants": ("xgboost",)}
    config = quick_config(split=split, use_ray=False, progress=False, trials=3, **only_xgboost)
    fit = fit_global(_frame(), "points", config)
    assert set(fit.tuned) >= {"learning_rate", "max_depth", "n_estimators"}
    assert isinstance(fit.production_estimator, XGBRegressor)
    assert fit.production_estimator.n_estimators == fit.tuned["n_estimators"]
    assert fit.tuning_seconds > 0


def test_stats_tuned_side_by_side_share_the_cores() -> None:
    cores = os.cpu_count() or 1
    alone = TrainConfig(stats=("points",), use_ray=True)
    together = TrainConfig(stats=("points", "threes", "assists"), use_ray=True)
    assert tuning_threads(alone) == cores
    assert tuning_threads(together) == max(1, cores // min(3, cores))
    assert tuning_threads(TrainConfig(use_ray=False)) == cores


def test_a_forest_is_cut_to_its_flat_validation_size_and_refits_as_cut() -> None:
    x, y, xv, yv = _matrices()
    params = {"n_estimators": 40, "max_depth": 4, "min_samples_leaf": 20}
    forest = make_estimator("random_forest", params=params).fit(x, y)
    full = np.mean(np.abs(forest.predict(xv) - yv))
    capped = capped_forest(forest, xv, yv)
    size = capped[-1].n_estimators
    assert 1 <= size <= 40
    assert len(capped[-1].estimators_) == size
    assert np.mean(np.abs(capped.predict(xv) - yv)) <= full * (1 + FOREST_TOLERANCE) + 1e-12
    # The first k trees are the forest a k-tree fit grows: refits agree with the cut.
    np.testing.assert_allclose(clone(capped).fit(x, y).predict(xv), capped.predict(xv))


def test_forest_predictions_through_the_trees_are_bit_for_bit_the_forests() -> None:
    x, y, xv, _ = _matrices()
    holes = xv.copy()
    holes.iloc[::7, 0] = np.nan
    forest = make_estimator("random_forest", params={"n_estimators": 12}).fit(x, y)
    np.testing.assert_array_equal(member_predict(forest, holes), forest.predict(holes))
    members = {"random_forest": forest, "elasticnet": make_estimator("elasticnet").fit(x, y)}
    stack = StackingEnsemble(members, prefit=True).fit(x, y)
    by_sklearn = stack.final_.predict(np.column_stack([m.predict(holes) for m in members.values()]))
    np.testing.assert_array_equal(predict_rows(stack, holes), by_sklearn)


def test_a_stack_mixed_on_held_out_rows_mixes_the_members_it_serves() -> None:
    x, y, xv, yv = _matrices()
    members = {k: make_estimator(k, size="player").fit(x, y) for k in ("xgboost", "elasticnet")}
    stack = StackingEnsemble(members, prefit=True).fit_mix(xv, yv)
    held_out = np.column_stack([m.predict(xv) for m in members.values()])
    assert stack.members_ == members
    np.testing.assert_allclose(stack.predict(xv), stack.final_.predict(held_out))
    # The Ridge is learnt on these rows: no other mix of these members does better there.
    best = np.linalg.lstsq(np.column_stack([held_out, np.ones(len(yv))]), yv, rcond=None)[0]
    ols = np.column_stack([held_out, np.ones(len(yv))]) @ best
    assert np.mean((stack.predict(xv) - yv) ** 2) <= np.mean((ols - yv) ** 2) * 1.01


def test_a_player_task_carries_only_its_own_global_predictions_and_scores_the_same() -> None:
    frame = _frame(rows=1200)
    split = SeasonSplit(train_first="2021-22", train_last="2023-24", valid="2024-25", test="")
    config = quick_config(split=split, use_ray=False, progress=False, stats=("points",))
    fit = fit_global(frame, "points", config)
    tasks = player_tasks(eligible_players(frame, config), {"points": fit}, config)
    assert len(tasks) > 10
    for _, (task, task_config) in tasks:
        valid_rows = task.rows.index[task.rows["season"] == split.valid]
        assert set(task.global_valid.index) == set(valid_rows)
        whole = fit_player(None, replace(task, global_valid=fit.valid_pred), task_config)
        assert fit_player(None, task, task_config).valid_mae == whole.valid_mae


def test_a_member_the_vote_drops_weighs_exactly_zero_and_is_not_refitted() -> None:
    x, y, xv, yv = _matrices()
    # A member whose predictions run against the outcome: its best weight is at the bound.
    members = {
        "xgboost": make_estimator("xgboost", size="player").fit(x, y),
        "elasticnet": make_estimator("elasticnet", size="player").fit(x, -y),
    }
    vote = WeightedEnsemble(members, prefit=True).fit(x, y).fit_weights(xv, yv)
    assert vote.weights_["elasticnet"] == 0.0
    assert vote.weights_["xgboost"] == 1.0
    config = TrainConfig(kinds=("xgboost", "elasticnet"), variants=("ensemble",))
    refit = _refit("ensemble", vote, x, y, config, "points")
    assert set(refit.members_) == {"xgboost"}
    whole = WeightedEnsemble(_members(config, "points", list(x.columns)), vote.weights_)
    np.testing.assert_array_equal(refit.predict(xv), whole.fit(x, y).predict(xv))
