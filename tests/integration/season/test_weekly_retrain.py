"""The weekly retrain trains on the data before its moment and registers challengers only."""

from __future__ import annotations

import datetime as dt

import pytest

from statmusepicks.core.stats import CHAMPION
from statmusepicks.models.registry import CHALLENGER, ModelRegistry
from statmusepicks.models.train_config import quick_config
from statmusepicks.services.container import Container
from statmusepicks.services.features import build_feature_store
from statmusepicks.services.retrain import weekly_retrain
from statmusepicks.services.training import train

MONDAY = dt.datetime(2025, 11, 10, 9, 0, tzinfo=dt.UTC)  # 04:00 New York


@pytest.mark.slow
def test_the_weekly_retrain_registers_a_challenger_and_leaves_the_champion(
    loaded_container: Container,
) -> None:
    build_feature_store(loaded_container, source="db")
    quick = quick_config(stats=("points",), use_ray=False, progress=False)
    champion = train(loaded_container, config=quick).versions["smp-points-global"]

    report = weekly_retrain(loaded_container, MONDAY, base=quick)

    assert report.ok, report.errors
    challenger = report.details["challengers"]["smp-points-global"]
    assert challenger != champion
    assert report.details["seasons"] == {
        "train": ["2018-19", "2023-24"],
        "valid": "2024-25",
        "lines": "2025-26",
    }
    assert report.details["settled_lines"] > 0
    registry = ModelRegistry(loaded_container.settings, loaded_container.sessions)
    aliases = registry.aliases("smp-points-global")
    assert aliases[CHAMPION] == champion
    assert aliases[CHALLENGER] == challenger
    model = registry.load("smp-points-global", challenger)
    assert model.trained_through < "2025-11-10"  # nothing from the retrain's own day on
