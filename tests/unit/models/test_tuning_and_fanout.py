"""Optuna studies resume from the database; the task fan-out records failures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from statmusepicks.models.dataset import SeasonSplit
from statmusepicks.models.fanout import FollowUp, TaskOutcome, run_tasks
from statmusepicks.models.train_config import TrainConfig
from statmusepicks.models.tuning import tune_stat


def _frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for season in ("2021-22", "2022-23", "2023-24"):
        level = rng.uniform(4, 25, 500)
        parts.append(
            pd.DataFrame(
                {
                    "season": season,
                    "f_pts_season": level,
                    "f_pts_sma10": level + rng.normal(0, 2, 500),
                    "f_noise": rng.normal(size=500),
                    "pts": rng.poisson(level).astype(float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_a_study_stored_in_the_application_database_resumes(sqlite_engine: Engine) -> None:
    # The migrated application database: Optuna's own schema history must live beside ours.
    storage = sqlite_engine.url.render_as_string(hide_password=False)
    split = SeasonSplit(train_last="2022-23", valid="2023-24")
    first = tune_stat(_frame(), "points", split=split, storage=storage, trials=3, max_rounds=120)
    second = tune_stat(_frame(), "points", split=split, storage=storage, trials=2, max_rounds=120)
    assert first.study_name == second.study_name
    assert (first.trials, second.trials) == (3, 5)
    assert second.best_value <= first.best_value
    assert {"learning_rate", "max_depth", "n_estimators"} <= set(second.best_params)


def _square(_shared: object, value: int) -> int:
    if value == 3:
        raise ValueError("three is unlucky")
    return value * value


def test_failed_tasks_are_recorded_without_stopping_the_others() -> None:
    config = TrainConfig(use_ray=False, progress=False)
    outcomes = run_tasks(
        _square, [(str(v), (v,)) for v in range(5)], config=config, description="squares"
    )
    assert [o.result for o in outcomes if o.error is None] == [0, 1, 4, 16]
    [failed] = [o for o in outcomes if o.error]
    assert failed.key == "3"
    assert "three is unlucky" in (failed.error or "")


@pytest.mark.slow
def test_tasks_fan_out_over_a_local_ray() -> None:
    import ray

    config = TrainConfig(use_ray=True, progress=False)
    try:
        outcomes = run_tasks(
            _square,
            [(str(v), (v,)) for v in range(5)],
            config=config,
            description="squares",
            shared={"big": np.zeros(10)},
        )
    finally:
        ray.shutdown()
    assert sorted(o.result for o in outcomes if o.error is None) == [0, 1, 4, 16]
    assert [o.key for o in outcomes if o.error] == ["3"]


def _halve(_shared: object, value: int) -> float:
    return value / 2


def _halves(outcome: TaskOutcome) -> list[tuple[str, tuple[int]]]:
    return [(f"{outcome.key}/2", (outcome.result,)), (f"{outcome.key}/2b", (outcome.result + 1,))]


@pytest.mark.parametrize("use_ray", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_follow_up_tasks_run_for_each_success_and_come_back_marked(use_ray: bool) -> None:
    config = TrainConfig(use_ray=use_ray, progress=False)
    try:
        outcomes = run_tasks(
            _square,
            [(str(v), (v,)) for v in range(5)],
            config=config,
            description="squares, then halves",
            follow=FollowUp(_halve, _halves),
        )
    finally:
        if use_ray:
            import ray

            ray.shutdown()
    firsts = {o.key: o.result for o in outcomes if not o.followup and o.error is None}
    follow_ups = {o.key: o.result for o in outcomes if o.followup}
    assert firsts == {"0": 0, "1": 1, "2": 4, "4": 16}
    # The failed square ("3") queues nothing; every success queues its two halves.
    assert follow_ups == {
        f"{k}/2{suffix}": (v + extra) / 2
        for k, v in firsts.items()
        for suffix, extra in (("", 0), ("b", 1))
    }
    assert all(o.arrived > 0 for o in outcomes)
