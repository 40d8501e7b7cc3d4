"""Serving with the newest market refit: the champions' predictor with the stored weights.

A refit's stack weights were fitted on the probabilities of particular models, so a stored fit
is applied only while those models are the champions (its `model_version`); after a promotion
the new champions' own weights serve until the next refit. The prediction service loads its
predictor here and watches the newest fit's id, so a refit reaches serving at the next
promotion check (or an explicit reload) without a restart.
"""

from __future__ import annotations

import datetime as dt

from statmusepicks.core.logging import get_logger
from statmusepicks.core.stats import STATS
from statmusepicks.data.db.models_market import MarketFit
from statmusepicks.data.repositories.market_fits import latest_market_fit_id, newest_market_fits
from statmusepicks.models.market import StackWeights
from statmusepicks.models.predictor import COLUMN_STAT, Predictor, load_predictor
from statmusepicks.services.container import Container

log = get_logger(__name__)


def stacked_models(predictor: Predictor, stat: str) -> str:
    """The labels of the global models whose probabilities a stat's stack combines."""
    components = sorted({COLUMN_STAT[column] for column in STATS[stat].columns})
    models = [predictor.global_models.get(c) for c in components]
    return "+".join(
        m.label if m is not None else f"{c}:none" for c, m in zip(components, models, strict=True)
    )


def apply_market_fits(predictor: Predictor, fits: list[MarketFit]) -> list[str]:
    """Put each fit's weights and calibrator into `predictor` when its models are serving;
    returns the stats applied."""
    applied = []
    for fit in fits:
        if fit.stat not in STATS or fit.model_version != stacked_models(predictor, fit.stat):
            continue
        predictor.stacker.weights[fit.stat] = StackWeights.from_dict(fit.weights)
        if fit.calibration:
            predictor.calibrators.fit_knots(fit.stat, fit.calibration, fit.n_lines)
        applied.append(fit.stat)
    return applied


def with_market_fits(
    container: Container, predictor: Predictor, *, fitted_before: dt.datetime | None = None
) -> Predictor:
    """`predictor` (the champions) with the newest stored refit of each stat applied (of
    those fitted before `fitted_before`, when given: what served until then)."""
    try:
        with container.sessions() as session:
            fits = newest_market_fits(session, fitted_before=fitted_before)
            applied = apply_market_fits(predictor, fits)
    except Exception as exc:
        log.error("market refits not applied; serving the champions' own weights", error=repr(exc))
        return predictor
    if applied:
        log.info("market refits applied", stats=applied)
    return predictor


def load_serving_predictor(container: Container) -> Predictor:
    """The champions (`load_predictor`) with the newest refit of each stat applied."""
    return with_market_fits(container, load_predictor(container.settings))


def market_fit_stamp(container: Container) -> str:
    """A stamp of the newest stored refit, watched by the promotion check ('' when the
    database does not answer: the check then sees no change)."""
    try:
        with container.sessions() as session:
            return str(latest_market_fit_id(session) or "")
    except Exception as exc:
        log.warning("market refit stamp unavailable", error=repr(exc))
        return ""
