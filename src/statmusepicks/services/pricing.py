"""Pricing one prop from a predictive distribution: probabilities, fair odds, EV, edge, Kelly.

The market the edge is measured against is the de-vigged consensus of every book's latest
stored price for the prop (`market_probability`), else the de-vigged offered prices. The
model's P(over) is calibrated, and stacked with the market when one is stored.

The priced player's own injury status bounds what the answer claims (`with_status`): OUT is
not priced at all (`refuse_if_out`), and a player who may not play (questionable, doubtful) is
flagged and his confidence label lowered one step, so it is never `high`: the distribution
assumes he plays his usual minutes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from statmusepicks.core.errors import PlayerOutError
from statmusepicks.core.numbers import finite_or_none
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import SEASON_AVERAGE_SCOPE, StatSpec
from statmusepicks.data.db.models import PropLine
from statmusepicks.data.repositories.availability import ReportedStatus
from statmusepicks.evaluation.odds import devig, expected_value, fair_american, kelly_stake
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor


@dataclass(frozen=True)
class Market:
    """The de-vigged consensus of stored lines at the requested number."""

    over_probability: float
    books: int
    source: str


@dataclass(frozen=True)
class Offer:
    """The prop as offered: its line and the American prices of both sides."""

    line: float
    odds_over: float
    odds_under: float


@dataclass(frozen=True)
class BettingRules:
    """When a side is recommended and how much of a bankroll it gets."""

    edge_threshold: float
    kelly_fraction: float
    kelly_cap: float

    @classmethod
    def from_settings(cls, settings: Settings) -> BettingRules:
        return cls(settings.edge_threshold, settings.kelly_fraction, settings.kelly_cap)


def market_probability(
    session: Session, player_id: int, spec: StatSpec, line: float, day: dt.date
) -> Market | None:
    """De-vigged P(over | no push) from every book's latest stored price at this line."""
    rows = session.execute(
        select(PropLine.bookmaker, PropLine.over_price, PropLine.under_price)
        .where(
            PropLine.player_id == player_id,
            PropLine.game_date == day,
            PropLine.market == spec.key,
            PropLine.line == line,
            PropLine.over_price.is_not(None),
            PropLine.under_price.is_not(None),
        )
        .order_by(PropLine.captured_at)
    ).all()
    latest = {book: (over, under) for book, over, under in rows}
    if not latest:
        return None
    prices = np.array(list(latest.values()), float)
    fair = devig(prices[:, 0], prices[:, 1])
    return Market(float(np.mean(fair)), len(latest), "stored_lines")


def _finite(value: float, digits: int = 4) -> float:
    """A rounded JSON number; a non-finite one (a degenerate distribution) prices as 0."""
    return finite_or_none(value, digits) or 0.0


def price_prop(
    dist: PropDistribution,
    spec: StatSpec,
    offer: Offer,
    market: Market | None,
    predictor: Predictor,
    rules: BettingRules,
) -> dict[str, Any]:
    """Probabilities, fair odds, EV, edge, Kelly and the recommendation for one distribution."""
    line = offer.line
    push = dist.prob_push(line)
    model_over = dist.prob_over_no_push(line)
    offered = float(devig(offer.odds_over, offer.odds_under))
    if market is not None:
        over_np = predictor.combine_with_market(model_over, market.over_probability, spec.key)
        market_over, market_source = market.over_probability, market.source
    else:
        over_np = float(predictor.calibrate(np.array([model_over]), spec.key)[0])
        market_over, market_source = offered, "offered_prices"
    over = over_np * (1.0 - push)
    under = (1.0 - over_np) * (1.0 - push)
    ev_over = float(expected_value(over, under, offer.odds_over))
    ev_under = float(expected_value(under, over, offer.odds_under))
    edge_over = over_np - market_over
    edge_under = -edge_over
    if edge_over >= edge_under:
        side, edge, ev, odds, win, lose = "OVER", edge_over, ev_over, offer.odds_over, over, under
    else:
        side, edge, ev, odds, win, lose = (
            "UNDER",
            edge_under,
            ev_under,
            offer.odds_under,
            under,
            over,
        )
    recommended = edge > rules.edge_threshold and ev > 0
    kelly = kelly_stake(win, lose, odds, fraction=rules.kelly_fraction, cap=rules.kelly_cap)
    favoured = max(over_np, 1.0 - over_np)
    label = "low"
    if dist.scope != SEASON_AVERAGE_SCOPE and recommended:
        label = "high" if edge > 2 * rules.edge_threshold else "medium"
    return {
        "predicted_value": _finite(dist.mean, 2),
        "over_probability": _finite(over),
        "under_probability": _finite(under),
        "push_probability": _finite(push),
        "recommendation": side if recommended else None,
        "decision": side if recommended else "PASS",
        "expected_value": _finite(ev if recommended else max(ev_over, ev_under)),
        "expected_value_over": _finite(ev_over),
        "expected_value_under": _finite(ev_under),
        "confidence": _finite(100.0 * favoured, 1),
        "confidence_probability": _finite(favoured),
        "confidence_label": label,
        "kelly_fraction": _finite(kelly if recommended else 0.0),
        "edge": _finite(edge),
        "edge_side": side,
        "model_over_probability": _finite(model_over),
        "market_over_probability": _finite(market_over),
        "market_source": market_source,
        "market_books": market.books if market is not None else 0,
        "fair_odds_over": round(fair_american(over_np), 1),
        "fair_odds_under": round(fair_american(1.0 - over_np), 1),
        "std": _finite(dist.std, 3),
    }


# One step down the confidence labels, for a player who may not play.
LOWER_LABEL = {"high": "medium", "medium": "low", "low": "low"}


def status_document(status: ReportedStatus | None) -> dict[str, Any] | None:
    """`player_status` of an answer: the report's status (upper case, as the league writes
    it), its time and source; None when no report that counts lists the player."""
    if status is None:
        return None
    return {
        "status": status.status.upper(),
        "reported_at": status.reported_at.isoformat(),
        "source": status.source,
    }


def refuse_if_out(player: str, status: ReportedStatus | None) -> None:
    """Raise PlayerOutError (409 `player_out`) when the report rules the player out."""
    if status is not None and status.out:
        raise PlayerOutError(
            f"{player} is {status.status.upper()} in the injury report of "
            f"{status.reported_at.isoformat()} ({status.source}): no price is given.",
            details={"player": player, "player_status": status_document(status)},
        )


def with_status(priced: dict[str, Any], status: ReportedStatus | None) -> dict[str, Any]:
    """A priced prop with the player's status: `player_status`, `status_flag` (the uncertain
    status, or None) and the confidence label lowered one step when he may not play."""
    flagged = status is not None and status.uncertain
    label = priced["confidence_label"]
    return {
        **priced,
        "confidence_label": LOWER_LABEL[label] if flagged else label,
        "player_status": status_document(status),
        "status_flag": status.status.upper() if flagged and status is not None else None,
    }
