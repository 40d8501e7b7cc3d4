"""Use case: price a pick'em slip (PrizePicks, Underdog): its payout distribution, EV, break-even.

Each leg is priced by the prediction service (`predict`, the path `/api/predict` takes: the
champion model's distribution, calibrated and stacked with the market when lines are stored),
so a leg's probability here is the one a user sees for that prop (priced without being logged:
the track record holds the predictions served to bet on, not a slip's legs). The legs are joined
by a Gaussian copula whose correlations come from box scores before the slip's week
(`slip_correlations`), the payout table in force on the date settles each draw
(`data/payouts`), and the same legs taken as independent are enumerated exactly next to it,
so the answer shows what the correlation changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from statmusepicks.core.errors import StatMusePicksError, ValidationError
from statmusepicks.data.payouts import PayoutVersion, Play, payout_apps, payout_version
from statmusepicks.models.leg_correlation import LegCorrelations, LegKey, relation, slip_correlation
from statmusepicks.models.slip_simulation import (
    LegChance,
    Side,
    SlipDistribution,
    break_even_probability,
    exact_independent,
    simulate,
    standard_normals,
)
from statmusepicks.services.container import Container
from statmusepicks.services.explanations import DISCLAIMER
from statmusepicks.services.prediction_request import PredictionRequest
from statmusepicks.services.predictions import prediction_service
from statmusepicks.services.slip_correlations import slip_correlations
from statmusepicks.services.slip_schema import SlipRequest


@dataclass(frozen=True)
class PricedLeg:
    """A leg with its stat's probabilities at the line (from predict or the board)."""

    player: str
    player_id: int
    team: str
    opponent: str
    game_date: str
    stat: str
    line: float
    side: Side
    under: float
    push: float
    predicted_value: float
    model_version: str | None = None

    @property
    def key(self) -> LegKey:
        return LegKey(self.player_id, self.team, self.opponent, self.game_date, self.stat)

    @property
    def chance(self) -> LegChance:
        return LegChance(self.under, self.push, self.side, self.team)

    @property
    def label(self) -> str:
        return f"{self.player} {self.stat} {self.side} {self.line:g}"


@dataclass(frozen=True)
class SlipTerms:
    """How a slip is entered and simulated."""

    app: str
    play: Play
    stake: float
    draws: int
    seed: int


def price_legs(container: Container, request: SlipRequest) -> list[PricedLeg]:
    """Each leg priced by the prediction service; a leg it refuses fails the slip with that
    error (and the leg's number), e.g. 404 for an unknown player, 409 for one ruled out."""
    service = prediction_service(container)
    priced = []
    for number, leg in enumerate(request.legs, start=1):
        query = PredictionRequest(
            player=leg.player, stat=leg.stat, line=leg.line, date=request.date
        )
        try:
            answer = service.predict(query, record=False)
        except StatMusePicksError as exc:
            # The same error (its class keeps its status), told which leg it is about.
            exc.message = f"Leg {number}: {exc.message}"
            exc.details = {**exc.details, "leg": number}
            raise
        priced.append(
            PricedLeg(
                player=answer["player"],
                player_id=int(answer["player_id"]),
                team=answer.get("team") or "",
                opponent=answer.get("opponent") or "",
                game_date=answer["game_date"],
                stat=answer["stat"],
                line=float(answer["line"]),
                side=leg.side,
                under=float(answer["under_probability"]),
                push=float(answer["push_probability"]),
                predicted_value=float(answer["predicted_value"]),
                model_version=answer.get("model_version"),
            )
        )
    return priced


def check_legs(legs: Sequence[PricedLeg], version: PayoutVersion) -> None:
    """422 for a leg listed twice, or fewer teams than the app asks for."""
    seen = {(leg.player_id, leg.stat, leg.line) for leg in legs}
    if len(seen) < len(legs):
        raise ValidationError("A slip cannot hold the same player, stat and line twice.")
    teams = {leg.team for leg in legs if leg.team}
    if len(teams) < version.min_teams:
        raise ValidationError(
            f"This app needs legs from at least {version.min_teams} teams.",
            details={"teams": sorted(teams), "min_teams": version.min_teams},
        )


def evaluate(
    legs: Sequence[PricedLeg],
    terms: SlipTerms,
    correlations: LegCorrelations,
    version: PayoutVersion,
) -> dict[str, Any]:
    """The slip's answer (`SlipResponse`): simulated payouts, EV, break-even, the independent
    view and the correlations used."""
    grid = version.settlement_grid(terms.play, len(legs))
    matrix = slip_correlation([leg.key for leg in legs], correlations)
    chances = [leg.chance for leg in legs]
    refund = version.single_team_refund
    normals = standard_normals(terms.draws, len(legs), terms.seed)
    simulated = simulate(chances, matrix, grid, normals, single_team_refund=refund)
    independent = exact_independent(chances, grid, single_team_refund=refund)
    break_even = break_even_probability(grid)
    return {
        "date": legs[0].game_date,
        "app": terms.app,
        "play": terms.play,
        "stake": terms.stake,
        "legs": [_leg_row(leg, break_even) for leg in legs],
        "payout_table": _table_info(terms, version, len(legs)),
        "outcomes": [
            {
                "legs_counted": o.counted,
                "legs_won": o.won,
                "multiplier": o.multiplier,
                "probability": round(o.probability, 6),
            }
            for o in simulated.outcomes
        ],
        "payouts": [
            {"multiplier": m, "probability": round(p, 6)}
            for m, p in simulated.payout_probabilities().items()
        ],
        **_money(simulated, terms.stake),
        "break_even_probability": round(break_even, 4),
        "independent": {
            "expected_multiplier": round(independent.expected_multiplier, 4),
            "expected_value": round(terms.stake * independent.expected_value, 4),
            "probability_all_win": round(independent.all_win, 6),
        },
        "correlations": [
            {
                "first": i,
                "second": j,
                "relation": relation(legs[i].key, legs[j].key),
                "correlation": round(float(matrix[i, j]), 4),
            }
            for i in range(len(legs))
            for j in range(i + 1, len(legs))
        ],
        "correlation_source": {
            "games_from": correlations.games_from,
            "games_to": correlations.games_to,
            "pairs": correlations.pairs,
        },
        "draws": terms.draws,
        "seed": terms.seed,
        "disclaimer": DISCLAIMER,
    }


def _money(simulated: SlipDistribution, stake: float) -> dict[str, float]:
    profit = sum(o.probability for o in simulated.outcomes if o.multiplier > 1.0)
    return {
        "expected_multiplier": round(simulated.expected_multiplier, 4),
        "expected_payout": round(stake * simulated.expected_multiplier, 4),
        "expected_value": round(stake * simulated.expected_value, 4),
        "standard_error": round(stake * simulated.standard_error, 4),
        "probability_all_win": round(simulated.all_win, 6),
        "probability_profit": round(min(profit, 1.0), 6),
    }


def _leg_row(leg: PricedLeg, break_even: float) -> dict[str, Any]:
    chance = leg.chance
    return {
        "player": leg.player,
        "player_id": leg.player_id,
        "team": leg.team or None,
        "opponent": leg.opponent or None,
        "game_date": leg.game_date,
        "stat": leg.stat,
        "line": leg.line,
        "side": leg.side,
        "win_probability": round(chance.win, 4),
        "loss_probability": round(chance.loss, 4),
        "push_probability": round(chance.push, 4),
        "predicted_value": round(leg.predicted_value, 2),
        "margin_over_break_even": round(chance.win - break_even, 4),
        "model_version": leg.model_version,
    }


def _table_info(terms: SlipTerms, version: PayoutVersion, size: int) -> dict[str, Any]:
    play = version.plays[terms.play]
    return {
        "app": terms.app,
        "app_label": payout_apps()[terms.app].label,
        "play": terms.play,
        "play_label": play.label,
        "version": version.version,
        "effective_from": version.effective_from,
        "source": version.source,
        "notes": version.notes,
        "multipliers": dict(sorted(play.payouts[size].items())),
    }


def slip(container: Container, request: SlipRequest) -> dict[str, Any]:
    """`POST /api/slip`: price the legs, then simulate the slip on the table in force."""
    if request.date is not None:
        payout_version(request.app, request.play, len(request.legs), request.date)
    legs = price_legs(container, request)
    day = dt.date.fromisoformat(legs[0].game_date)
    version = payout_version(request.app, request.play, len(legs), day)
    check_legs(legs, version)
    terms = SlipTerms(request.app, request.play, request.stake, request.draws, request.seed)
    return evaluate(legs, terms, slip_correlations(container).for_date(day), version)
