"""Use case: the best slip of a given size from a date's board, by a correlation-aware search.

Candidates are the board's main lines, each on its more likely side (the board's calibrated,
market-stacked probabilities), one leg per player (the apps do not take two picks on one
player in the usual entry, and two legs of one player are so correlated they act as one), the
`candidates` most likely kept. By default only balanced lines are candidates (the books'
de-vigged P(over) between 35 % and 65 %): the apps post their standard lines near the median,
so a lopsided book line (an under 0.5 blocks at -300) is not a pick they offer at standard
payouts, and a search over such lines fills every slip with them.

A beam search then grows slips one leg at a time: partial slips are ranked by the simulated
probability that all their legs win (so legs that tend to win together rank up), full-size
slips by their simulated EV on the app's table. Every slip is simulated on the same draws
(common random numbers), so their comparison is not noise; the winner is then re-simulated
with the request's draws and seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from statmusepicks.core.errors import NotFoundError
from statmusepicks.data.payouts import PayoutVersion, Play, payout_version
from statmusepicks.models.leg_correlation import (
    LegCorrelations,
    nearest_correlation,
    pairwise_correlation,
)
from statmusepicks.models.slip_simulation import simulate, standard_normals
from statmusepicks.services.board import BoardQuery, board
from statmusepicks.services.container import Container
from statmusepicks.services.slip_correlations import slip_correlations
from statmusepicks.services.slip_schema import SlipSearchRequest
from statmusepicks.services.slips import PricedLeg, SlipTerms, evaluate

# Draws per scored slip in the search (the winner is re-run with the request's draws): the
# standard error of a 6-leg EV at 4,000 draws is about 0.05 units, small next to the gaps the
# beam ranks.
SEARCH_DRAWS = 4_000
# Book lines whose de-vigged P(over) is within this of 50 % count as lines an app would post.
BALANCED_MARGIN = 0.15


def board_legs(
    container: Container, day: dt.date, stat: str | None, limit: int, *, balanced: bool = True
) -> list[PricedLeg]:
    """The board's main lines on their more likely side, one per player, most likely first."""
    props = board(container, BoardQuery(date=day, stat=stat))["props"]
    legs: dict[int, PricedLeg] = {}
    for prop in sorted(props, key=_win, reverse=True):
        if not prop["main_line"] or prop["player_id"] in legs:
            continue
        if balanced and abs(prop["market_over_probability"] - 0.5) > BALANCED_MARGIN:
            continue
        over = prop["over_probability"] >= prop["under_probability"]
        legs[prop["player_id"]] = PricedLeg(
            player=prop["player"],
            player_id=int(prop["player_id"]),
            team=prop["team"],
            opponent=prop["opponent"],
            game_date=day.isoformat(),
            stat=prop["stat"],
            line=float(prop["line"]),
            side="over" if over else "under",
            under=float(prop["under_probability"]),
            push=float(prop["push_probability"]),
            predicted_value=float(prop["predicted_value"]),
            model_version=prop.get("model_version"),
        )
    return list(legs.values())[:limit]


def _win(prop: dict[str, Any]) -> float:
    return max(float(prop["over_probability"]), float(prop["under_probability"]))


def beam_search(
    legs: Sequence[PricedLeg],
    size: int,
    play: Play,
    version: PayoutVersion,
    correlations: LegCorrelations,
    *,
    beam_width: int,
    seed: int,
) -> tuple[list[tuple[tuple[int, ...], float]], int]:
    """The best `beam_width` slips of `size` legs (indexes into `legs`) with their simulated
    EV per unit, and how many slips were scored."""
    pairwise = pairwise_correlation([leg.key for leg in legs], correlations)
    normals = standard_normals(SEARCH_DRAWS, size, seed)
    refund = version.single_team_refund
    beams: list[tuple[int, ...]] = [()]
    scores: dict[tuple[int, ...], float] = {}
    scored = 0
    for step in range(1, size + 1):
        # Partial slips: P(all legs win), read off an all-or-nothing grid of their size.
        grid = version.settlement_grid(play, size) if step == size else _all_win_grid(step)
        found: dict[tuple[int, ...], float] = {}
        for beam in beams:
            for extra in range(len(legs)):
                combo = tuple(sorted((*beam, extra)))
                if extra in beam or combo in found:
                    continue
                if step == size and len({legs[i].team for i in combo}) < version.min_teams:
                    continue
                matrix = nearest_correlation(pairwise[np.ix_(combo, combo)])
                chances = [legs[i].chance for i in combo]
                result = simulate(chances, matrix, grid, normals, single_team_refund=refund)
                found[combo] = result.expected_multiplier - (1.0 if step == size else 0.0)
                scored += 1
        beams = sorted(found, key=lambda c: found[c], reverse=True)[:beam_width]
        scores = {combo: found[combo] for combo in beams}
    return [(combo, scores[combo]) for combo in beams], scored


def _all_win_grid(legs: int) -> np.ndarray:
    grid = np.zeros((legs + 1, legs + 1))
    grid[legs, legs] = 1.0
    return grid


def best_slip(container: Container, request: SlipSearchRequest) -> dict[str, Any]:
    """`POST /api/slip/best`: the best slip of the size from the date's board, simulated in
    full, and the runners-up the beam kept."""
    version = payout_version(request.app, request.play, request.size, request.date)
    legs = board_legs(
        container, request.date, request.stat, request.candidates, balanced=request.balanced
    )
    if len(legs) < request.size:
        raise NotFoundError(
            f"The board of {request.date.isoformat()} has {len(legs)} priced players, too few "
            f"for a {request.size}-leg slip.",
            details={"date": request.date.isoformat(), "candidates": len(legs)},
        )
    correlations = slip_correlations(container).for_date(request.date)
    kept, scored = beam_search(
        legs,
        request.size,
        request.play,
        version,
        correlations,
        beam_width=request.beam_width,
        seed=request.seed,
    )
    if not kept:
        raise NotFoundError(
            f"No {request.size}-leg slip on the board of {request.date.isoformat()} meets the "
            f"app's rules (legs from {version.min_teams} teams or more).",
        )
    terms = SlipTerms(request.app, request.play, request.stake, request.draws, request.seed)
    best = evaluate([legs[i] for i in kept[0][0]], terms, correlations, version)
    return {
        "date": request.date.isoformat(),
        "size": request.size,
        "candidates": len(legs),
        "slips_scored": scored,
        "best": best,
        "runners_up": [
            {
                "legs": [legs[i].label for i in combo],
                "expected_value": round(request.stake * ev, 4),
            }
            for combo, ev in kept[1:]
        ],
    }
