"""The nightly market refit: walk-forward on settled lines from the database, stored with its
window, picked up by serving, and moved by lines where the market was systematically wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from statmusepicks.data.db.models import PropLine
from statmusepicks.data.db.models_market import MarketFit
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.container import Container
from statmusepicks.services.market_fits import market_fit_stamp, with_market_fits
from statmusepicks.services.predictions import prediction_service
from statmusepicks.services.refit import refit_market_stack
from tests import factories
from tests.integration.api.conftest import fit_slice_models, register_on_disk

FIRST = dt.datetime(2025, 11, 1, 12, 0, tzinfo=dt.UTC)
SECOND = dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def served_models() -> list[StatModel]:
    """Global models of the slice, fitted on games before 2025-10-01."""
    frame = build_feature_frame(factories.player_logs(), factories.team_logs())
    return [m for m in fit_slice_models(frame) if m.scope == "global"]


@pytest.fixture
def refit_container(loaded_container: Container, served_models: list[StatModel]) -> Container:
    """The loaded slice (real lines to 2025-11-14) with the slice models as champions; MLflow
    unreachable, so the champions come from disk at once."""
    loaded_container.settings = loaded_container.settings.model_copy(
        # Four teams' props: a couple of hundred per stat by November, not the thousand a
        # whole league brings in a week.
        update={"mlflow_tracking_uri": "http://127.0.0.1:9", "market_refit_min_props": 40}
    )
    register_on_disk(loaded_container, served_models)
    return loaded_container


def fits(container: Container, fitted_at: dt.datetime) -> dict[str, MarketFit]:
    with container.sessions() as session:
        rows = session.scalars(select(MarketFit).where(MarketFit.fitted_at == fitted_at)).all()
    return {row.stat: row for row in rows}


def plant_wrong_market(container: Container, since: dt.date, before: dt.date) -> int:
    """A new pre-tip snapshot of every settled main line in [since, before) whose prices make
    the side that lost a heavy favourite: the market is systematically wrong."""
    with container.engine.connect() as connection:
        lines = pd.read_sql(
            select(PropLine).where(
                PropLine.game_date >= since,
                PropLine.game_date < before,
                PropLine.is_main_line.is_(True),
                PropLine.actual.is_not(None),
            ),
            connection,
        )
    lines = lines[lines["actual"] != lines["line"]].drop_duplicates(
        ["game_date", "player_name", "market", "bookmaker", "line"]
    )
    went_over = lines["actual"] > lines["line"]
    rows = lines.drop(columns=["id"]).assign(
        captured_at=pd.to_datetime(lines["commence_time"], utc=True) - pd.Timedelta(minutes=30),
        over_price=went_over.map({True: 300, False: -400}),
        under_price=went_over.map({True: -400, False: 300}),
        source="odds_api_live",
    )
    with container.engine.begin() as connection:
        connection.execute(insert(PropLine), rows.to_dict("records"))
    return len(rows)


@pytest.mark.slow
def test_a_refit_after_lines_where_the_market_was_wrong_moves_the_weights_off_the_market(
    refit_container: Container, served_models: list[StatModel]
) -> None:
    settings = refit_container.settings
    refit_container.settings = settings.model_copy(update={"market_refit_min_props": 10**6})
    too_few = refit_market_stack(refit_container, FIRST)
    assert (too_few.rows, too_few.details["skipped"]) == (0, "too few settled props for every stat")
    refit_container.settings = settings
    first = refit_market_stack(refit_container, FIRST)
    assert first.ok, first.errors
    assert first.rows > 0, first.details
    before = fits(refit_container, FIRST)
    points = before["points"]
    assert points.window_end < dt.date(2025, 11, 1)
    assert points.n_lines >= 200
    assert points.calibration is not None

    planted = plant_wrong_market(refit_container, dt.date(2025, 11, 1), dt.date(2025, 11, 15))
    assert planted > 200
    # The as-of boundary: lines of later games change nothing in a rerun as of FIRST, and the
    # rerun replaces its rows rather than adding to them.
    rerun = refit_market_stack(refit_container, FIRST)
    assert rerun.details["fits"] == first.details["fits"]
    with refit_container.sessions() as session:
        assert session.scalar(select(func.count()).select_from(MarketFit)) == first.rows

    stamp = market_fit_stamp(refit_container)
    serving = prediction_service(refit_container).champions
    loaded = serving.get()  # loaded before the refit, with the first fit's weights
    second = refit_market_stack(refit_container, SECOND)
    assert market_fit_stamp(refit_container) != stamp  # the promotion check sees the refit
    refitted = fits(refit_container, SECOND)
    after = refitted["points"]
    # Every stat with enough settled lines is refitted, not one: each moved off the market.
    moved = {
        stat
        for stat, fit in refitted.items()
        if stat in before and fit.weights["market"] < before[stat].weights["market"] - 0.2
    }
    assert len(moved) >= 3, {stat: fit.weights for stat, fit in refitted.items()}
    assert all(fit.window_end == dt.date(2025, 11, 14) for fit in refitted.values())
    # This process serves the new weights at once (a worker's board, a replay).
    assert serving.get() is not loaded
    for stat in moved:
        assert serving.get().stacker.weights_for(stat).as_dict() == refitted[stat].weights
    assert after.window_end == dt.date(2025, 11, 14)
    assert after.n_lines > points.n_lines
    assert after.weights["market"] < points.weights["market"] - 0.5
    # The weights served until then trusted a wrong market.
    assert after.brier_after is not None
    assert after.brier_before is not None
    assert after.brier_after < after.brier_before
    assert second.details["fits"]["points"]["weights"] == after.weights

    # Serving takes the newest fit for the models it was fitted on, and only for those.
    champions = served_models
    served = with_market_fits(refit_container, Predictor.from_models(champions))
    assert served.stacker.weights_for("points").as_dict() == after.weights
    others = [replace(m, version="9") for m in champions]
    untouched = with_market_fits(refit_container, Predictor.from_models(others))
    assert untouched.stacker.weights_for("points").market == 1.0


def test_without_settled_lines_the_refit_stores_nothing_and_says_why(
    market_container: Container,
) -> None:
    report = refit_market_stack(market_container, FIRST)
    assert report.ok
    assert report.rows == 0
    assert report.details["skipped"] == "no settled lines before as_of"
