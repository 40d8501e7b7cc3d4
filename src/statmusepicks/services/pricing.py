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
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from statmusepicks.core.errors import PlayerOutError
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import SEASON_AVERAGE_SCOPE, StatSpec
from statmusepicks.data.db.models import PropLine
from statmusepicks.data.repositories.availability import ReportedStatus
from statmusepicks.evaluation.odds import (
    devig,
    expected_value,
    fair_american_prices,
    kelly_stakes,
)
from statmusepicks.models.distributions import FloatArray, PropDistribution, split_line
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


# A prop whose market is asked for: (player id, stat key, line, game date).
MarketKey = tuple[int, str, float, dt.date]
# What a stored price says: whose prop at which line, which book, both sides' prices.
PRICED_COLUMNS = ("player_id", "market", "line", "bookmaker", "over_price", "under_price")


def market_probability(
    session: Session, player_id: int, spec: StatSpec, line: float, day: dt.date
) -> Market | None:
    """De-vigged P(over | no push) from every book's latest stored price at this line."""
    key = (player_id, spec.key, line, day)
    return market_probabilities(session, [key])[key]


def market_probabilities(
    session: Session, keys: Sequence[MarketKey]
) -> dict[MarketKey, Market | None]:
    """`market_probability` of many props, one query per game date (a batch's markets)."""
    found: dict[MarketKey, Market | None] = dict.fromkeys(keys)
    by_day: dict[dt.date, set[MarketKey]] = {}
    for key in keys:
        by_day.setdefault(key[3], set()).add(key)
    for day, wanted in by_day.items():
        rows = session.execute(
            select(*(getattr(PropLine, name) for name in PRICED_COLUMNS))
            .where(
                PropLine.player_id.in_({key[0] for key in wanted}),
                PropLine.game_date == day,
                PropLine.market.in_({key[1] for key in wanted}),
                PropLine.line.in_({key[2] for key in wanted}),
                PropLine.over_price.is_not(None),
                PropLine.under_price.is_not(None),
            )
            .order_by(PropLine.captured_at)
        ).all()
        latest: dict[MarketKey, dict[str, tuple[float, float]]] = {}
        for pid, market, line, book, over, under in rows:
            if pid is None or over is None or under is None:
                continue  # excluded by the query; narrows the types
            key = (int(pid), str(market), float(line), day)
            if key in wanted:
                latest.setdefault(key, {})[book] = (over, under)
        for key, books in latest.items():
            prices = np.array(list(books.values()), float)
            fair = devig(prices[:, 0], prices[:, 1])
            found[key] = Market(float(np.mean(fair)), len(books), "stored_lines")
    return found


def _finite(value: float, digits: int = 4) -> float:
    """A rounded JSON number; a non-finite one (a degenerate distribution) prices as 0 (and
    -0.0 as 0). Called about 16 times per priced line, so it skips `finite_or_none`'s checks of
    values that are not numbers: every value here is a float."""
    number = float(value)
    return (round(number, digits) or 0.0) if math.isfinite(number) else 0.0


def price_prop(
    dist: PropDistribution,
    spec: StatSpec,
    offer: Offer,
    market: Market | None,
    predictor: Predictor,
    rules: BettingRules,
) -> dict[str, Any]:
    """Probabilities, fair odds, EV, edge, Kelly and the recommendation for one distribution."""
    return price_lines([dist], spec, [offer], [market], predictor, rules)[0]


def price_lines(
    dists: Sequence[PropDistribution],
    spec: StatSpec,
    offers: Sequence[Offer],
    markets: Sequence[Market | None],
    predictor: Predictor,
    rules: BettingRules,
) -> list[dict[str, Any]]:
    """`price_prop` of many lines of one stat, line i priced from `dists[i]`: the CDFs, the
    calibration and the market stacking run once over all the lines (elementwise, so every line
    gets the numbers it would get alone); the board prices a whole stat in one call."""
    lines = np.array([offer.line for offer in offers], float)
    over_raw, under_raw, push = _split(dists, lines)
    total = over_raw + under_raw
    model_over = np.where(total > 0, over_raw / np.where(total > 0, total, 1.0), 0.5)
    odds_over = np.array([offer.odds_over for offer in offers], float)
    odds_under = np.array([offer.odds_under for offer in offers], float)
    offered = devig(odds_over, odds_under)
    known = np.array([market is not None for market in markets], bool)
    market_over = np.array(
        [offered[i] if m is None else m.over_probability for i, m in enumerate(markets)], float
    )
    over_np = np.empty(len(offers))
    if known.any():
        over_np[known] = predictor.market_aware(model_over[known], market_over[known], spec.key)
    if not known.all():
        over_np[~known] = predictor.calibrate(model_over[~known], spec.key)
    over = over_np * (1.0 - push)
    under = (1.0 - over_np) * (1.0 - push)
    ev_over = expected_value(over, under, odds_over)
    ev_under = expected_value(under, over, odds_under)
    edge_over = over_np - market_over
    takes_over = edge_over >= -edge_over
    edge = np.where(takes_over, edge_over, -edge_over)
    ev = np.where(takes_over, ev_over, ev_under)
    recommended = (edge > rules.edge_threshold) & (ev > 0)
    kelly = kelly_stakes(
        np.where(takes_over, over, under),
        np.where(takes_over, under, over),
        np.where(takes_over, odds_over, odds_under),
        fraction=rules.kelly_fraction,
        cap=rules.kelly_cap,
    )
    # The larger EV as Python's max picks it (the first unless the second is larger), so a
    # NaN lands where the scalar arithmetic put it; the same for the favoured side.
    larger_ev = np.where(ev_under > ev_over, ev_under, ev_over)
    settled = {
        "takes_over": takes_over,
        "recommended": recommended,
        "over_probability": over,
        "under_probability": under,
        "push_probability": push,
        "expected_value": np.where(recommended, ev, larger_ev),
        "expected_value_over": ev_over,
        "expected_value_under": ev_under,
        "confidence_probability": np.where(1.0 - over_np > over_np, 1.0 - over_np, over_np),
        "kelly_fraction": np.where(recommended, kelly, 0.0),
        "edge": edge,
        "model_over_probability": model_over,
        "market_over_probability": market_over,
        "fair_odds_over": fair_american_prices(over_np),
        "fair_odds_under": fair_american_prices(1.0 - over_np),
    }
    columns = {name: values.tolist() for name, values in settled.items()}
    return [
        _answer(dists[i], markets[i], {name: values[i] for name, values in columns.items()}, rules)
        for i in range(len(offers))
    ]


def _split(
    dists: Sequence[PropDistribution], lines: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(P(over), P(under), P(push)) of line i under `dists[i]`, one CDF call per family."""
    mean = np.array([dist.mean for dist in dists], float)
    variance = np.array([dist.variance for dist in dists], float)
    kinds = [(dist.family, dist.lattice) for dist in dists]
    over, under, push = (np.empty(len(dists)) for _ in range(3))
    for family, lattice in set(kinds):
        where = np.array([kind == (family, lattice) for kind in kinds], bool)
        over[where], under[where], push[where] = split_line(
            family, mean[where], variance[where], lines[where], lattice
        )
    return over, under, push


def _answer(
    dist: PropDistribution,
    market: Market | None,
    settled: dict[str, Any],
    rules: BettingRules,
) -> dict[str, Any]:
    """The answer's fields of one line, from the numbers `price_lines` settled for all lines."""
    side = "OVER" if settled["takes_over"] else "UNDER"
    recommended = settled["recommended"]
    label = "low"
    if dist.scope != SEASON_AVERAGE_SCOPE and recommended:
        label = "high" if settled["edge"] > 2 * rules.edge_threshold else "medium"
    favoured = settled["confidence_probability"]
    return {
        "predicted_value": _finite(dist.mean, 2),
        "over_probability": _finite(settled["over_probability"]),
        "under_probability": _finite(settled["under_probability"]),
        "push_probability": _finite(settled["push_probability"]),
        "recommendation": side if recommended else None,
        "decision": side if recommended else "PASS",
        "expected_value": _finite(settled["expected_value"]),
        "expected_value_over": _finite(settled["expected_value_over"]),
        "expected_value_under": _finite(settled["expected_value_under"]),
        "confidence": _finite(100.0 * favoured, 1),
        "confidence_probability": _finite(favoured),
        "confidence_label": label,
        "kelly_fraction": _finite(settled["kelly_fraction"]),
        "edge": _finite(settled["edge"]),
        "edge_side": side,
        "model_over_probability": _finite(settled["model_over_probability"]),
        "market_over_probability": _finite(settled["market_over_probability"]),
        "market_source": market.source if market is not None else "offered_prices",
        "market_books": market.books if market is not None else 0,
        "fair_odds_over": round(settled["fair_odds_over"], 1),
        "fair_odds_under": round(settled["fair_odds_under"], 1),
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
