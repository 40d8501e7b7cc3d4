"""End to end on the bundled data: quick training registers champions that survive a restart."""

from __future__ import annotations

import pytest

from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import BASE_STATS
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.session import make_engine
from statmusepicks.features.store import load_store
from statmusepicks.models.predictor import load_predictor
from statmusepicks.services.training import ensure_models, train_quick


@pytest.mark.slow
def test_quick_training_registers_every_base_stat_and_serves_after_restart(
    settings: Settings,
) -> None:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    summary = train_quick(settings)
    assert {f"smp-{stat}-global" for stat in BASE_STATS} <= set(summary.versions)
    assert summary.failures == []
    assert ensure_models(settings) is None  # a second start trains nothing

    offline = settings.model_copy(update={"mlflow_tracking_uri": "http://127.0.0.1:9"})
    predictor = load_predictor(offline)
    frame = load_store(settings, seasons=["2025-26"])
    # Established scorers: 20+ a game over at least 5 games this season and 15+ over the last 10
    # (one 22-point night after a 4-point season is not a scorer, and the model knows it).
    scorers = (
        (frame["f_pts_season"] > 20) & (frame["f_games_season"] >= 5) & (frame["f_pts_sma10"] > 15)
    )
    rows = frame[scorers].tail(5)
    for dist in predictor.predict(rows, "points"):
        assert dist.scope == "global"
        assert 12 < dist.mean < 45
        assert dist.prob_over(20.5) + dist.prob_under(20.5) == pytest.approx(1.0)
