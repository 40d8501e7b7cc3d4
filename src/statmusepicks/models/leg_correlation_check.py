"""Does the slip copula reproduce how often correlated legs win together on past games?

For every rotation player's game after a cut-off date, each stat gets a half line at his recent
form (the floor of his mean over his previous 20 games, plus 0.5, so no push) and a marginal
P(over) from a negative binomial around that form (spread floored just above Poisson). Pairs of
legs (one player's two stats, two teammates, two opponents) are then scored three ways:

- the empirical rate at which both overs hit;
- the copula's joint probability (a bivariate normal at the marginals' quantiles, with the
  correlation estimated only from games before the cut-off), averaged over the pairs;
- the product of the marginals: what a simulation that ignores correlation would say.

Because the simple marginals are not perfectly calibrated, the dependence is also compared on
its own: the mean of (hit_a - p_a)(hit_b - p_b) on the games (the empirical excess of the joint
over independence) against the mean of (joint - p_a p_b) the copula predicts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from statmusepicks.models.distributions import split_line
from statmusepicks.models.leg_correlation import (
    LEG_STATS,
    ROTATION_MINUTES,
    LegCorrelations,
    Relation,
    estimate_correlations,
    prior_form,
    stat_values,
)

# Two seasons before the cut-off inform the correlations, as in serving.
ESTIMATION_DAYS = 730
# The marginals' variance floor: 5 % above the mean (negative binomial needs var > mean).
POISSON_MARGIN = 1.05


@dataclass(frozen=True)
class PairCheck:
    """One relation and stat pair: the copula's joint against what the games did."""

    relation: Relation
    stat_a: str
    stat_b: str
    pairs: int
    correlation: float
    empirical_joint: float
    copula_joint: float
    independent_joint: float
    joint_standard_error: float
    empirical_excess: float
    copula_excess: float
    excess_standard_error: float


def leg_rows(logs: pd.DataFrame, stats: Sequence[str], since: dt.date) -> pd.DataFrame:
    """Per rotation player-game from `since` on: each stat's form line, P(over) and hit."""
    frame = logs.sort_values(["player_id", "game_date", "game_id"]).reset_index(drop=True)
    values = stat_values(frame, stats)
    minutes = frame["min"].astype(float).to_numpy()
    mean, var = prior_form(np.column_stack([values.to_numpy(float), minutes]), frame["player_id"])
    dates = pd.to_datetime(frame["game_date"]).dt.date
    keep = (minutes > 0) & (np.nan_to_num(mean[:, -1]) >= ROTATION_MINUTES) & (dates >= since)
    rows = frame.loc[keep, ["player_id", "game_id", "team"]].reset_index(drop=True)
    for i, stat in enumerate(stats):
        form = np.maximum(mean[keep, i], 0.05)
        line = np.floor(form) + 0.5
        spread = np.maximum(var[keep, i], form * POISSON_MARGIN)
        over, _, _ = split_line("negbin", form, spread, line)
        rows[f"p_{stat}"] = over
        rows[f"hit_{stat}"] = (values.to_numpy(float)[keep, i] > line).astype(float)
    return rows


def _pair_frame(rows: pd.DataFrame, relation: Relation) -> pd.DataFrame:
    """Rows of both legs of each pair, columns suffixed _a and _b."""
    if relation == "same_player":
        return rows.add_suffix("_a").join(rows.add_suffix("_b"))
    joined = rows.merge(rows, on="game_id", suffixes=("_a", "_b"))
    joined = joined[joined["player_id_a"] < joined["player_id_b"]]
    same_team = joined["team_a"] == joined["team_b"]
    return joined[same_team if relation == "teammates" else ~same_team]


def check_pair(
    rows: pd.DataFrame,
    correlations: LegCorrelations,
    relation: Relation,
    stat_a: str,
    stat_b: str,
) -> PairCheck:
    """The copula against the games for one relation and stat pair (both legs over)."""
    pairs = _pair_frame(rows, relation)
    p_a, p_b = pairs[f"p_{stat_a}_a"].to_numpy(), pairs[f"p_{stat_b}_b"].to_numpy()
    hit_a, hit_b = pairs[f"hit_{stat_a}_a"].to_numpy(), pairs[f"hit_{stat_b}_b"].to_numpy()
    rho = correlations.value(relation, stat_a, stat_b)
    bounds = np.column_stack(
        [sps.norm.ppf(np.clip(p_a, 1e-9, 1 - 1e-9)), sps.norm.ppf(np.clip(p_b, 1e-9, 1 - 1e-9))]
    )
    joint = np.atleast_1d(
        sps.multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, rho], [rho, 1.0]]).cdf(bounds)
    )
    both = hit_a * hit_b
    residual = (hit_a - p_a) * (hit_b - p_b)
    n = len(pairs)
    return PairCheck(
        relation=relation,
        stat_a=stat_a,
        stat_b=stat_b,
        pairs=n,
        correlation=rho,
        empirical_joint=float(both.mean()),
        copula_joint=float(joint.mean()),
        independent_joint=float((p_a * p_b).mean()),
        joint_standard_error=float(both.std() / np.sqrt(n)),
        empirical_excess=float(residual.mean()),
        copula_excess=float((joint - p_a * p_b).mean()),
        excess_standard_error=float(residual.std() / np.sqrt(n)),
    )


def joint_check(
    logs: pd.DataFrame,
    cut: dt.date,
    pairs: Sequence[tuple[Relation, str, str]],
    until: dt.date | None = None,
) -> list[PairCheck]:
    """Correlations from the two years before `cut`, checked on the games from `cut` on (to
    `until`, exclusive, when given)."""
    dates = pd.to_datetime(logs["game_date"]).dt.date
    start = cut - dt.timedelta(days=ESTIMATION_DAYS)
    correlations = estimate_correlations(logs[(dates >= start) & (dates < cut)])
    stats = sorted({s for _, a, b in pairs for s in (a, b)}, key=LEG_STATS.index)
    window = logs[dates < until] if until is not None else logs
    rows = leg_rows(window, stats, cut)
    return [check_pair(rows, correlations, *pair) for pair in pairs]
