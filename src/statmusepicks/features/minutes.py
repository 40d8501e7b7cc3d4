"""Projected minutes with a spread, from the player's games before the target date.

The projection is a linear model over a small design (recent and season minutes, rest, games
his team played without him, rotation teammates out), so a teammate's absence moves it the same
way in training, serving and the what-if. Its weights are fitted by `fit_minutes_weights`:

- the centre is a least-absolute-deviation fit (the median minimises the MAE it is judged by);
- the spread is a least-squares fit of the absolute residual on the same design, scaled by
  sqrt(pi/2) to a standard deviation, and `z_low`/`z_high` are the 10th and 90th percentiles
  of the residual in units of that spread (minutes are skewed: early exits, blowouts).

The weights are walk-forward so a feature row never reads a later game through them: a target
of season S is projected with the weights fitted on the regular seasons from `FIRST_FIT_SEASON`
to the season before S (`WEIGHTS_BY_SEASON`, frozen in `minutes_weights.json`; `statmusepicks
minutes --fit` regenerates it). A season with no earlier fitted season uses `UNFITTED`, and a
season after the table's last uses the last entry; training and serving pick by the target's
season alike, so a served row gets the weights its training rows of that season got.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from statmusepicks.features import rolling
from statmusepicks.features.advanced import teammates_out
from statmusepicks.features.inputs import FeatureInputs
from statmusepicks.features.rolling import FORM_DEPTH, form_summary

# A player without a game yet: about the minutes of a debut off the bench.
DEBUT_MINUTES = 12.0
MAX_GAMES_MISSED = 10
MAX_REST_DAYS = 15
GAME_MINUTES = 48.0
# Below this a spread is not credible (the fitted spread of a fixed-role starter is ~4).
MIN_SPREAD = 1.0
# The absolute residual of a normal variable averages sigma * sqrt(2 / pi).
ABS_TO_SD = float(np.sqrt(np.pi / 2))
PROJECTION_COLUMNS = ["minutes", "minutes_sd", "minutes_p10", "minutes_p90"]
# The first season with a previous season in the bundled logs: the walk-forward fits start here.
FIRST_FIT_SEASON = "2016-17"
WEIGHTS_PATH = Path(__file__).with_name("minutes_weights.json")
DESIGN_COLUMNS = (
    "last",
    "sma3",
    "sma10",
    "ema",
    "season",
    "prev_season",
    "std10",
    "rest",
    "back_to_back",
    "missed",
    "missed_any",
    "missed_x_sma10",
    "no_history",
    "out_count",
    "out_min",
    "out_x_share",
)


@dataclass(frozen=True)
class MinutesWeights:
    """A fitted minutes model: centre and spread weights over `DESIGN_COLUMNS`."""

    intercept: float
    coefficients: dict[str, float]
    spread_intercept: float
    spread_coefficients: dict[str, float]
    z_low: float
    z_high: float

    def rounded(self) -> MinutesWeights:
        """Four decimals, as frozen in the table: readable, far below the fit's own noise."""
        return MinutesWeights(
            intercept=round(self.intercept, 4),
            coefficients={n: round(w, 4) for n, w in self.coefficients.items()},
            spread_intercept=round(self.spread_intercept, 4),
            spread_coefficients={n: round(w, 4) for n, w in self.spread_coefficients.items()},
            z_low=round(self.z_low, 4),
            z_high=round(self.z_high, 4),
        )

    def project(self, design: pd.DataFrame) -> pd.DataFrame:
        """Projected minutes, their standard deviation and 10th/90th percentiles per row."""
        centre = _linear(design, self.intercept, self.coefficients)
        centre = np.clip(centre, 0.0, GAME_MINUTES)
        spread = _linear(design, self.spread_intercept, self.spread_coefficients) * ABS_TO_SD
        spread = np.maximum(spread, MIN_SPREAD)
        return pd.DataFrame(
            {
                "minutes": centre,
                "minutes_sd": spread,
                "minutes_p10": np.clip(centre + self.z_low * spread, 0.0, GAME_MINUTES),
                "minutes_p90": np.clip(centre + self.z_high * spread, 0.0, GAME_MINUTES),
            }
        )


def _linear(design: pd.DataFrame, intercept: float, weights: dict[str, float]) -> np.ndarray:
    total = np.full(len(design), intercept)
    for name, weight in weights.items():
        total = total + weight * design[name].to_numpy(float)
    return total


def minutes_design(inputs: FeatureInputs, *, debut_minutes: float = DEBUT_MINUTES) -> pd.DataFrame:
    """The inputs of the minutes model, one row per target, without missing values.

    A missing window falls back to the next broader one (this season, then last season, then
    the last 10 games, then `debut_minutes`), so a player's first games still get a projection.
    """
    targets, players = inputs.targets, inputs.players
    lags = inputs.player_lags("min", FORM_DEPTH)
    form = form_summary(lags)
    day = targets["day"].to_numpy(np.int64)
    has_history = inputs.previous >= 0
    last_day = players.state(players.day, inputs.previous)
    averages = inputs.memo("season_averages", lambda: rolling.season_averages(inputs))
    sma10 = np.where(has_history, form["sma10"], debut_minutes)
    prev_season = averages["f_min_prev_season"].to_numpy(float)
    season = _first_present(averages["f_min_season"].to_numpy(float), prev_season, sma10)
    rest = np.where(has_history, np.minimum(day - last_day, MAX_REST_DAYS), MAX_REST_DAYS)
    missed = _team_games_missed(inputs, day, last_day)
    out = teammates_out(inputs)
    out_min = out["f_teammates_out_min"].to_numpy(float)
    design = {
        "last": _first_present(lags[:, 0], sma10),
        "sma3": _first_present(form["sma3"], sma10),
        "sma10": sma10,
        "ema": _first_present(form["ema"], sma10),
        "season": season,
        "prev_season": _first_present(prev_season, season),
        "std10": np.nan_to_num(form["std10"], nan=0.0),
        "rest": rest.astype(float),
        "back_to_back": (rest == 1).astype(float),
        "missed": missed,
        "missed_any": (missed > 0).astype(float),
        "missed_x_sma10": (missed > 0) * sma10,
        "no_history": (~has_history).astype(float),
        "out_count": out["f_teammates_out"].to_numpy(float),
        "out_min": out_min,
        # Who absorbs an absent teammate's minutes depends on the player's own share of them.
        "out_x_share": out_min * sma10 / GAME_MINUTES,
    }
    return pd.DataFrame(design, columns=list(DESIGN_COLUMNS))


def _first_present(*candidates: np.ndarray) -> np.ndarray:
    """Elementwise the first candidate that is not NaN."""
    result = np.asarray(candidates[0], dtype=float)
    for candidate in candidates[1:]:
        result = np.where(np.isnan(result), candidate, result)
    return result


def _team_games_missed(inputs: FeatureInputs, day: np.ndarray, last_day: np.ndarray) -> np.ndarray:
    """Games the target's team played after the player's last game and before the target
    (a return from injury: minutes are often managed in the first games back)."""
    timeline = inputs.teams.timeline
    code = inputs.targets["team_code"].to_numpy(np.int64)
    since = np.where(np.isnan(last_day), day, last_day + 1).astype(np.int64)
    missed = timeline.count_before(code, day) - timeline.count_before(code, since)
    return np.clip(missed, 0, MAX_GAMES_MISSED).astype(float)


def fit_minutes_weights(
    design: pd.DataFrame, minutes: np.ndarray, *, iterations: int = 30
) -> MinutesWeights:
    """Least-absolute-deviation centre (iteratively reweighted least squares) and spread."""
    x = np.column_stack([np.ones(len(design)), design[list(DESIGN_COLUMNS)].to_numpy(float)])
    y = np.asarray(minutes, dtype=float)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    for _ in range(iterations):
        # Weights 1/|r| turn squared loss into absolute loss; the floor keeps them finite.
        weights = 1.0 / np.maximum(np.abs(y - x @ beta), 0.5)
        root = np.sqrt(weights)
        beta = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)[0]
    residual = y - x @ beta
    gamma = np.linalg.lstsq(x, np.abs(residual), rcond=None)[0]
    spread = np.maximum(x @ gamma * ABS_TO_SD, MIN_SPREAD)
    z_low, z_high = np.quantile(residual / spread, [0.1, 0.9])
    names = list(DESIGN_COLUMNS)
    return MinutesWeights(
        intercept=float(beta[0]),
        coefficients={n: float(w) for n, w in zip(names, beta[1:], strict=True)},
        spread_intercept=float(gamma[0]),
        spread_coefficients={n: float(w) for n, w in zip(names, gamma[1:], strict=True)},
        z_low=float(z_low),
        z_high=float(z_high),
    )


def fit_weights_by_season(rows: pd.DataFrame) -> dict[str, MinutesWeights]:
    """Walk-forward weights: for each season S after `FIRST_FIT_SEASON` present in `rows`,
    the fit on the rows of `FIRST_FIT_SEASON` .. the season before S only.

    `rows` is a design with `season_label` and `played` (minutes) columns.
    """
    fitted = rows[rows["season_label"] >= FIRST_FIT_SEASON]
    table: dict[str, MinutesWeights] = {}
    for season in sorted(set(fitted["season_label"]) - {FIRST_FIT_SEASON}):
        before = fitted[fitted["season_label"] < season]
        table[season] = fit_minutes_weights(before, before["played"].to_numpy(float))
    return table


def save_weights_table(table: dict[str, MinutesWeights], path: Path = WEIGHTS_PATH) -> None:
    """Write a walk-forward table as the frozen JSON that `WEIGHTS_BY_SEASON` loads."""
    payload = {season: asdict(weights.rounded()) for season, weights in sorted(table.items())}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")


def load_weights_table(path: Path = WEIGHTS_PATH) -> dict[str, MinutesWeights]:
    """The frozen walk-forward table, season label -> weights."""
    payload = json.loads(path.read_text())
    return {season: MinutesWeights(**fields) for season, fields in payload.items()}


def weights_for_season(season: str) -> MinutesWeights:
    """The weights for targets of `season`: fitted only on the seasons before it."""
    earlier = [key for key in WEIGHTS_BY_SEASON if key <= season]
    return WEIGHTS_BY_SEASON[max(earlier)] if earlier else UNFITTED


def project_minutes(inputs: FeatureInputs, weights: MinutesWeights | None = None) -> pd.DataFrame:
    """Projected minutes with spread and percentiles for every target.

    Each target gets the walk-forward weights of its season unless `weights` is given.
    """
    design = minutes_design(inputs)
    if weights is not None:
        return weights.project(design)
    seasons = inputs.targets["season"].to_numpy(dtype=object)
    projected = pd.DataFrame(index=design.index, columns=PROJECTION_COLUMNS, dtype=float)
    for season in pd.unique(seasons):
        rows = seasons == season
        projected.loc[rows] = weights_for_season(str(season)).project(design[rows]).to_numpy()
    return projected


def restrict_minutes(projected: pd.DataFrame, cap: np.ndarray) -> pd.DataFrame:
    """A reported minutes restriction caps the projection and its percentiles (NaN: none).

    The history holds no restriction notes to fit an effect on, so the cap is applied as
    stated: a player limited to 24 minutes is projected at most 24.
    """
    limit = np.where(np.isnan(cap), GAME_MINUTES, cap)
    capped = projected.copy()
    for column in ("minutes", "minutes_p10", "minutes_p90"):
        capped[column] = np.minimum(capped[column].to_numpy(float), limit)
    return capped


def minutes_projection(inputs: FeatureInputs) -> pd.DataFrame:
    """The minutes projection and its spread as model features."""
    projected = project_minutes(inputs)
    return pd.DataFrame(
        {
            "f_minutes_proj": projected["minutes"].to_numpy(),
            "f_minutes_proj_sd": projected["minutes_sd"].to_numpy(),
        }
    )


# Before any fitted season: the mean of the two baselines a bettor would use (last-10 and
# season averages), with the last-10 standard deviation as a normal spread. No number in it is
# fitted, so the first seasons' training rows read no later game through their projection.
_NORMAL_P90 = NormalDist().inv_cdf(0.9)
UNFITTED = MinutesWeights(
    intercept=0.0,
    coefficients={"sma10": 0.5, "season": 0.5},
    spread_intercept=0.0,
    spread_coefficients={"std10": 1.0 / ABS_TO_SD},
    z_low=-_NORMAL_P90,
    z_high=_NORMAL_P90,
)
WEIGHTS_BY_SEASON = load_weights_table()
