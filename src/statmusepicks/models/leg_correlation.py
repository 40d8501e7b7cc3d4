"""Correlation between the legs of a slip, estimated from box scores (pure maths, no I/O).

A slip's legs are not independent: one player's points and rebounds rise together with his
minutes, teammates share the ball, and opponents play the same game pace. The slip simulation
joins the legs' predictive distributions with a Gaussian copula, whose parameter is the
correlation of the legs' latent normal scores. That correlation is estimated here per relation
(same player, teammates, opponents) and per stat pair, from the residuals of box scores against
each player's own recent form:

- the residual of a stat in a game is its value minus the player's mean over his previous 20
  games (at least 5), scaled by their spread (floored at the Poisson spread, so a quiet stretch
  does not blow a residual up); only games he played, and only rotation players (15+ minutes
  on average before the game: the players books post props for), are kept;
- each stat's residuals are turned into normal scores (ranks through the normal quantile), the
  copula's scale, so a skewed count does not distort the correlation;
- teammates and opponents are every ordered pair of such players in one game, so the matrix of a
  relation is symmetric in the two stats.

Legs in different games are independent. Every estimate uses only the games it is given, so a
caller that passes games before the slip's date gets a leak-free estimate. A small sample's
correlation is shrunk toward 0 (weight n / (n + 200)), so a pair seen rarely is not trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps

from statmusepicks.core.stats import STATS

Relation = Literal["same_player", "teammates", "opponents", "other_game"]
FloatArray = npt.NDArray[np.float64]

FORM_GAMES = 20
MIN_PRIOR_GAMES = 5
ROTATION_MINUTES = 15.0
SHRINK_PAIRS = 200.0
# Stats a leg can be on; minutes are priced but never offered as a pick.
LEG_STATS: tuple[str, ...] = tuple(key for key in STATS if key != "minutes")


@dataclass(frozen=True)
class LegCorrelations:
    """Correlation matrices (stats x stats) per relation, and the pairs behind each."""

    stats: tuple[str, ...]
    matrices: dict[str, FloatArray]
    pairs: dict[str, int]
    games_from: str | None = None
    games_to: str | None = None
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {stat: i for i, stat in enumerate(self.stats)})

    def value(self, relation: Relation, stat_a: str, stat_b: str) -> float:
        """The correlation of two legs' latent scores (0 for legs in different games)."""
        if relation == "other_game" or relation not in self.matrices:
            return 0.0
        if relation == "same_player" and stat_a == stat_b:
            return 1.0
        i, j = self._index.get(stat_a), self._index.get(stat_b)
        if i is None or j is None:
            return 0.0
        return float(self.matrices[relation][i, j])


@dataclass(frozen=True)
class LegKey:
    """What decides how two legs relate: the player, his team, the opponent and the date."""

    player_id: int
    team: str
    opponent: str
    game_date: str
    stat: str


def relation(a: LegKey, b: LegKey) -> Relation:
    """How two legs relate: the same player, teammates or opponents in one game, or neither."""
    if a.game_date != b.game_date:
        return "other_game"
    if a.player_id == b.player_id:
        return "same_player"
    if a.team and a.team == b.team:
        return "teammates"
    if a.team and (a.team == b.opponent or a.opponent == b.team):
        return "opponents"
    return "other_game"


def stat_values(logs: pd.DataFrame, stats: Sequence[str] = LEG_STATS) -> pd.DataFrame:
    """Each stat's value per box score (combos summed from their columns)."""
    return pd.DataFrame(
        {
            key: sum(logs[col].astype(float) * weight for col, weight in STATS[key].weights)
            for key in stats
        },
        index=logs.index,
    )


def normal_scores(values: pd.DataFrame) -> pd.DataFrame:
    """Each column's ranks through the normal quantile (ties share their mean rank)."""
    ranks = values.rank(method="average")
    return pd.DataFrame(
        sps.norm.ppf((ranks - 0.5) / ranks.count()), index=values.index, columns=values.columns
    )


def prior_form(values: FloatArray, player_ids: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of each column over a player's previous FORM_GAMES rows (NaN before
    MIN_PRIOR_GAMES); rows sorted by player then date. Vectorised with cumulative sums: a
    grouped pandas rolling window is ~50x slower over two seasons."""
    ids = np.asarray(player_ids)
    starts = np.r_[True, ids[1:] != ids[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(ids)), 0))
    position = np.arange(len(ids)) - group_start
    count = np.minimum(position, FORM_GAMES)
    zero = np.zeros((1, values.shape[1]))
    first = np.vstack([zero, np.cumsum(values, axis=0)])
    second = np.vstack([zero, np.cumsum(values**2, axis=0)])
    rows = np.arange(len(ids))
    total = first[rows] - first[rows - count]
    squares = second[rows] - second[rows - count]
    n = count[:, None].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        var = (squares - total**2 / n) / (n - 1.0)
    short = count < MIN_PRIOR_GAMES
    mean[short] = np.nan
    var[short] = np.nan
    return mean, np.maximum(var, 0.0)


def residual_scores(logs: pd.DataFrame, stats: Sequence[str] = LEG_STATS) -> pd.DataFrame:
    """Normal scores of each stat's residual against the player's previous games.

    Returns one row per kept box score: `player_id`, `game_id`, `team`, then one column per stat.
    """
    frame = logs.sort_values(["player_id", "game_date", "game_id"]).reset_index(drop=True)
    values = stat_values(frame, stats)
    minutes = frame["min"].astype(float).to_numpy()
    columns = np.column_stack([values.to_numpy(float), minutes])
    mean, var = prior_form(columns, frame["player_id"].to_numpy())
    keep = (minutes > 0) & (np.nan_to_num(mean[:, -1]) >= ROTATION_MINUTES)
    form, spread = mean[:, :-1], np.sqrt(np.maximum(var[:, :-1], np.maximum(mean[:, :-1], 0.25)))
    residuals = pd.DataFrame(((values.to_numpy(float) - form) / spread)[keep], columns=list(stats))
    ids = frame.loc[keep, ["player_id", "game_id", "team"]].reset_index(drop=True)
    return pd.concat([ids, normal_scores(residuals)], axis=1)


def _cross_correlation(left: FloatArray, right: FloatArray) -> FloatArray:
    """corr(left[:, i], right[:, j]) for every stat pair, symmetrised."""
    a = (left - left.mean(axis=0)) / left.std(axis=0)
    b = (right - right.mean(axis=0)) / right.std(axis=0)
    matrix = a.T @ b / len(a)
    return np.asarray((matrix + matrix.T) / 2.0, float)


def _pairs(scores: pd.DataFrame, same_team: bool) -> tuple[FloatArray, FloatArray]:
    """Score rows of every ordered pair of distinct players in one game (teammates or not)."""
    index = scores[["player_id", "game_id", "team"]].reset_index()
    joined = index.merge(index, on="game_id", suffixes=("_a", "_b"))
    joined = joined[joined["player_id_a"] != joined["player_id_b"]]
    joined = joined[(joined["team_a"] == joined["team_b"]) == same_team]
    values = scores.drop(columns=["player_id", "game_id", "team"]).to_numpy(float)
    return values[joined["index_a"].to_numpy()], values[joined["index_b"].to_numpy()]


def _shrunk(matrix: FloatArray, pairs: int) -> FloatArray:
    return np.asarray(np.nan_to_num(matrix * (pairs / (pairs + SHRINK_PAIRS))), float)


def estimate_correlations(logs: pd.DataFrame, stats: Sequence[str] = LEG_STATS) -> LegCorrelations:
    """Correlations per relation and stat pair from these box scores (use only past games)."""
    scores = residual_scores(logs, stats)
    values = scores[list(stats)].to_numpy(float)
    matrices: dict[str, FloatArray] = {}
    pairs: dict[str, int] = {}
    if len(values) > 2:
        same = np.asarray(np.corrcoef(values, rowvar=False), float)
        matrices["same_player"] = _shrunk(same, len(values))
        pairs["same_player"] = len(values)
    for name, same_team in (("teammates", True), ("opponents", False)):
        left, right = _pairs(scores, same_team)
        if len(left) > 2:
            matrices[name] = _shrunk(_cross_correlation(left, right), len(left))
            pairs[name] = len(left)
    dates = pd.to_datetime(logs["game_date"]) if len(logs) else pd.Series(dtype="datetime64[ns]")
    return LegCorrelations(
        tuple(stats),
        matrices,
        pairs,
        games_from=dates.min().date().isoformat() if len(dates) else None,
        games_to=dates.max().date().isoformat() if len(dates) else None,
    )


def pairwise_correlation(legs: Sequence[LegKey], correlations: LegCorrelations) -> FloatArray:
    """Each pair of legs' estimated correlation (not yet checked to be a valid matrix)."""
    size = len(legs)
    matrix = np.eye(size)
    for i in range(size):
        for j in range(i + 1, size):
            kind = relation(legs[i], legs[j])
            matrix[i, j] = matrix[j, i] = correlations.value(kind, legs[i].stat, legs[j].stat)
    return matrix


def slip_correlation(legs: Sequence[LegKey], correlations: LegCorrelations) -> FloatArray:
    """The legs' correlation matrix (a valid one: nearest positive semi-definite, unit diagonal)."""
    return nearest_correlation(pairwise_correlation(legs, correlations))


def nearest_correlation(matrix: FloatArray) -> FloatArray:
    """Clip negative eigenvalues and rescale to a unit diagonal (a valid correlation matrix).

    Pairwise estimates of different relations need not form a positive semi-definite matrix
    together; one clipping step moves them the least in the usual cases (3 to 6 legs).
    """
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    if values.min() >= -1e-12:
        return np.asarray(matrix, float)
    fixed = vectors @ np.diag(np.maximum(values, 0.0)) @ vectors.T
    scale = np.sqrt(np.clip(np.diag(fixed), 1e-12, None))
    result = fixed / np.outer(scale, scale)
    np.fill_diagonal(result, 1.0)
    return np.asarray(result, float)
