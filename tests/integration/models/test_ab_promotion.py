"""`models promote --if-better`: a challenger truly better on the same props is promoted, a
worse one is not, and both decisions are recorded with their reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select

from statmusepicks.data.db.models_ab import Experiment, ModelDecision, ShadowPrediction
from statmusepicks.models.registry import ModelRegistry
from statmusepicks.services.ab_results import evaluate_experiment, promote_if_better
from statmusepicks.services.container import Container
from statmusepicks.services.experiments import start_experiment
from tests import factories
from tests.environments import isolated_settings, memory_container, migrated_sqlite
from tests.prediction_rows import plant_predictions, prediction_row

NOW = dt.datetime(2025, 12, 1, 12, tzinfo=dt.UTC)
FEATURES = ["f_pts_season", "f_pts_sma10"]


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    """A migrated SQLite database and one MLflow store for the module."""
    root = tmp_path_factory.mktemp("ab")
    url = migrated_sqlite(root / "ab.db")
    box = memory_container(isolated_settings(root / "var", database_url=url))
    yield box
    box.close()


def _register_pair(container: Container, stat: str) -> tuple[str, str]:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(5, 30, size=(100, 2)), columns=FEATURES)
    y = x.mean(axis=1).to_numpy()
    registry = ModelRegistry(container.settings, container.sessions)
    champion = registry.register(factories.linear_model(stat, x, y), promote="champion")
    challenger = registry.register(factories.linear_model(stat, x, y), promote="challenger")
    return champion, challenger


def _plant(container: Container, experiment: Experiment, challenger_noise: float) -> None:
    """3,000 graded props: the champion's P(over) is the truth plus noise 0.10, the
    challenger's plus `challenger_noise`; each prop served by one arm, the other a shadow."""
    rng = np.random.default_rng(experiment.id)
    n = 3000
    truth = rng.uniform(0.2, 0.8, n)
    over = rng.uniform(size=n) < truth
    prices = {
        "champion": np.clip(truth + rng.normal(0, 0.10, n), 0.02, 0.98),
        "challenger": np.clip(truth + rng.normal(0, challenger_noise, n), 0.02, 0.98),
    }
    served, shadows = [], []
    for i in range(n):
        arm = "challenger" if i % 2 else "champion"
        other = "champion" if i % 2 else "challenger"
        prop = {
            "player_id": 1000 + i,
            "stat": experiment.stat,
            "line": 20.5,
            "game_date": dt.date(2025, 11, 1) + dt.timedelta(days=i % 20),
        }
        served.append(
            prediction_row(
                **prop,
                player_name=f"player {i}",
                model_version="x",
                over_probability=float(prices[arm][i]),
                under_probability=float(1 - prices[arm][i]),
                arm=arm,
                experiment_id=experiment.id,
                graded_at=NOW,
                result="over" if over[i] else "under",
            )
        )
        shadows.append(
            prop
            | {
                "experiment_id": experiment.id,
                "arm": other,
                "predicted_value": 20.0,
                "over_probability": float(prices[other][i]),
                "under_probability": float(1 - prices[other][i]),
                "push_probability": 0.0,
                "model_version": "y",
            }
        )
    plant_predictions(container.engine, served)
    with container.engine.begin() as connection:
        connection.execute(insert(ShadowPrediction), shadows)


def _planted_test(
    container: Container, stat: str, challenger_noise: float
) -> tuple[str, str, str, Experiment]:
    """A champion and a challenger of `stat` under an A/B test whose props are planted;
    returns the model name, both versions and the experiment."""
    champion, challenger = _register_pair(container, stat)
    name = f"smp-{stat}-global"
    experiment = start_experiment(
        container, stat=stat, challenger=f"{name}:{challenger}", share=0.5, now=NOW
    )
    _plant(container, experiment, challenger_noise)
    return name, champion, challenger, experiment


def _decisions(container: Container, name: str) -> list[ModelDecision]:
    with container.sessions() as session:
        return list(session.scalars(select(ModelDecision).where(ModelDecision.name == name)))


def test_a_truly_better_challenger_is_promoted(container: Container) -> None:
    name, _champion, challenger, experiment = _planted_test(container, "points", 0.01)
    result = evaluate_experiment(container, experiment)
    assert result.props == 3000
    assert result.brier.difference > 0
    assert result.log_loss.difference > 0

    decision = promote_if_better(container, name, challenger, now=NOW)

    assert decision.promoted
    assert ModelRegistry(container.settings).aliases(name)["champion"] == challenger
    [row] = _decisions(container, name)
    assert row.promoted
    assert row.reason.startswith("promoted")
    assert row.evidence["props"] == 3000
    with container.sessions() as session:
        assert session.get(Experiment, experiment.id).status == "promoted"  # type: ignore[union-attr]


def test_a_worse_challenger_is_not_promoted(container: Container) -> None:
    name, champion, challenger, _experiment = _planted_test(container, "rebounds", 0.2)

    decision = promote_if_better(container, name, challenger, now=NOW)

    assert not decision.promoted
    assert ModelRegistry(container.settings).aliases(name)["champion"] == champion
    [row] = _decisions(container, name)
    assert not row.promoted
    assert "kept the champion" in row.reason
    assert row.evidence["brier"]["difference"] < 0


def test_a_challenger_without_an_experiment_is_not_promoted(container: Container) -> None:
    champion, challenger = _register_pair(container, "assists")
    decision = promote_if_better(container, "smp-assists-global", challenger, now=NOW)
    assert not decision.promoted
    assert "no A/B test" in decision.reason
    assert ModelRegistry(container.settings).aliases("smp-assists-global")["champion"] == champion
