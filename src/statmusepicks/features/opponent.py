"""Opponent strength from team box scores, as of the day before each game.

Ratings are season-to-date sums (points allowed per 100 estimated possessions, possessions per
48 minutes) shrunk toward a prior worth PRIOR_GAMES games: last season's rating regressed half
way to last season's league average. So a rating exists from opening night and early-season
noise is damped; `f_opp_rating_games` tells a model how much of it is this season's evidence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.core.seasons import previous_seasons, season_of_days, season_start_days
from statmusepicks.features.arenas import TEAMS
from statmusepicks.features.inputs import BASE_COLUMNS, FeatureInputs, TeamGames
from statmusepicks.features.timeline import Timeline, window_count, window_mean

PRIOR_GAMES = 10
# Team defensive ratings keep about half their distance from the league mean from one season to
# the next, so the prior regresses last season's rating half way.
PRIOR_REGRESSION = 0.5
TOP_TIER, BOTTOM_TIER = 10, 21
ALLOWED_COLUMNS = ("pts", "reb", "ast", "fg3m", "stl", "blk", "tov")
ALLOWED_WINDOW = 10
MATCHUP_WINDOW = 10
SPLIT_WINDOW = 20
# How much of a rating is this season's evidence (the context API reports it by name).
RATING_SOURCES = ("none", "previous_season", "blended", "season")


def ratings_as_of(
    teams: TeamGames, team_code: np.ndarray, day: np.ndarray, season: np.ndarray
) -> pd.DataFrame:
    """Shrunk defensive rating, pace, this-season games and source code of teams as of `day`."""
    timeline, running = teams.timeline, teams.running
    previous = timeline.previous(team_code, day)
    same = timeline.label(teams.seasons, previous) == season
    played = np.where(same, timeline.state(running["games"].to_numpy(), previous), 0.0)
    team_last, league_last = teams.season_ratings(team_code, previous_seasons(season))
    result: dict[str, np.ndarray] = {"games": played}
    for column, (name, numerator, denominator, scale) in enumerate(
        (("drtg", "opp_pts", "poss", 100.0), ("pace", "poss", "min", 48.0 * 5))
    ):
        total_num = timeline.state(running[numerator].to_numpy(), previous)
        total_den = timeline.state(running[denominator].to_numpy(), previous)
        with np.errstate(invalid="ignore", divide="ignore"):
            this_season = np.where(played > 0, scale * total_num / total_den, np.nan)
        league = league_last[:, column]
        prior = league + PRIOR_REGRESSION * (team_last[:, column] - league)
        prior = np.where(np.isnan(prior), league, prior)
        blended = (played * this_season + PRIOR_GAMES * prior) / (played + PRIOR_GAMES)
        result[name] = np.where(played == 0, prior, np.where(np.isnan(prior), this_season, blended))
    has_prior = ~np.isnan(league_last[:, 0])
    source = np.where(played >= PRIOR_GAMES, 3, np.where(played > 0, 2, np.where(has_prior, 1, 0)))
    result["source"] = source.astype(float)
    return pd.DataFrame(result)


def defence_ranks(teams: TeamGames, days: np.ndarray) -> np.ndarray:
    """Defensive rank (1 = fewest points allowed per 100) of all 30 teams on each day.

    Returns an array (len(days), 30). Ranks depend on team games only, so they are cached on the
    TeamGames instance and shared by every request of a serving process.
    """
    # tuple() copies the keys in one step, so a rank added by another thread meanwhile is safe.
    known = np.array(tuple(teams.ranks), np.int64)
    missing = np.setdiff1d(np.unique(days), known)
    if len(missing):
        grid_day = np.repeat(missing, len(TEAMS))
        grid_team = np.tile(np.arange(len(TEAMS)), len(missing))
        ratings = ratings_as_of(teams, grid_team, grid_day, season_of_days(grid_day))
        ranks = (
            ratings["drtg"].groupby(grid_day).rank(method="min").to_numpy().reshape(-1, len(TEAMS))
        )
        teams.ranks.update(zip(missing.tolist(), ranks, strict=True))
    return np.array([teams.ranks[day] for day in np.asarray(days).tolist()]).reshape(-1, len(TEAMS))


def _rank_of(teams: TeamGames, day: np.ndarray, team_code: np.ndarray) -> np.ndarray:
    ranks = defence_ranks(teams, day)
    known = team_code < len(TEAMS)
    picked = ranks[np.arange(len(day)), np.minimum(team_code, len(TEAMS) - 1)]
    return np.where(known, picked, np.nan)


def team_ratings(inputs: FeatureInputs) -> pd.DataFrame:
    """Opponent defensive rating, pace and defensive rank; the player's own team's pace."""
    targets = inputs.targets
    day, season = targets["day"].to_numpy(), targets["season"].to_numpy()
    opponent = ratings_as_of(inputs.teams, targets["opp_code"].to_numpy(), day, season)
    own = ratings_as_of(inputs.teams, targets["team_code"].to_numpy(), day, season)
    return pd.DataFrame(
        {
            "f_opp_drtg": opponent["drtg"].to_numpy(),
            "f_opp_pace": opponent["pace"].to_numpy(),
            "f_opp_def_rank": _rank_of(inputs.teams, day, targets["opp_code"].to_numpy()),
            "f_opp_rating_games": opponent["games"].to_numpy(),
            "f_team_pace": own["pace"].to_numpy(),
        }
    )


def allowed_last10(inputs: FeatureInputs) -> pd.DataFrame:
    """What the opponent's opponents made per game over its last 10 games, per stat."""
    targets, teams = inputs.targets, inputs.teams
    previous = teams.timeline.previous(targets["opp_code"].to_numpy(), targets["day"].to_numpy())
    columns = {}
    for column in ALLOWED_COLUMNS:
        values = teams.games[f"opp_{column}"].to_numpy(float)
        lags = teams.timeline.lags(values, previous, ALLOWED_WINDOW)
        columns[f"f_opp_allowed_{column}"] = window_mean(lags)
    return pd.DataFrame(columns)


def _grouped_history(
    inputs: FeatureInputs, name: str, group: np.ndarray, keep: np.ndarray | None = None
) -> tuple[pd.DataFrame, Timeline]:
    """The player history re-sorted by (player_id * 64 + group, day) with its timeline."""

    def compute() -> tuple[pd.DataFrame, Timeline]:
        history = inputs.history
        entity = history["player_id"].to_numpy(np.int64) * 64 + group
        day = history["day"].to_numpy(np.int64)
        rows = np.arange(len(history)) if keep is None else np.flatnonzero(keep)
        rows = rows[np.lexsort((day[rows], entity[rows]))]
        values = history[list(BASE_COLUMNS)].to_numpy(float)[rows]
        grouped = pd.DataFrame(values, columns=list(BASE_COLUMNS))
        return grouped, Timeline.from_sorted(entity[rows], day[rows])

    return inputs.memo(name, compute)


def _group_means(
    history: pd.DataFrame, timeline: Timeline, entity: np.ndarray, day: np.ndarray, depth: int
) -> dict[str, np.ndarray]:
    previous = timeline.previous(entity, day)
    means = {
        column: window_mean(timeline.lags(history[column].to_numpy(float), previous, depth))
        for column in BASE_COLUMNS
    }
    means["games"] = timeline.count_before(entity, day).astype(float)
    return means


def player_vs_opponent(inputs: FeatureInputs) -> pd.DataFrame:
    """The player's averages over his last 10 games against this opponent, and how many."""
    history, timeline = _grouped_history(
        inputs, "vs_opponent", inputs.history["opp_code"].to_numpy()
    )
    targets = inputs.targets
    entity = targets["player_id"].to_numpy() * 64 + targets["opp_code"].to_numpy()
    means = _group_means(history, timeline, entity, targets["day"].to_numpy(), MATCHUP_WINDOW)
    return pd.DataFrame({f"f_vs_opp_{name}": values for name, values in means.items()})


def defence_splits(inputs: FeatureInputs) -> pd.DataFrame:
    """The player's averages over his last 20 games against top-10 and bottom-10 defences.

    Only games of the target's season and the one before count (older games describe another
    player), and a game's tier is the opponent's rank on that game's date, so the split itself
    uses nothing from later games.
    """
    history, targets = inputs.history, inputs.targets
    oldest = min(previous_seasons(targets["season"])) if len(targets) else None
    recent = (history["season"] >= oldest).to_numpy() if oldest else np.zeros(len(history), bool)
    rank = np.full(len(history), np.nan)
    rank[recent] = _rank_of(
        inputs.teams,
        history["day"].to_numpy()[recent],
        history["opp_code"].to_numpy()[recent],
    )
    tier = np.where(rank <= TOP_TIER, 1, np.where(rank >= BOTTOM_TIER, 2, 0))
    grouped, timeline = _grouped_history(inputs, "defence_tiers", tier, keep=recent & (tier > 0))
    day = targets["day"].to_numpy()
    season_start = season_start_days(previous_seasons(targets["season"]))
    columns: dict[str, np.ndarray] = {}
    for code, label in ((1, "top10"), (2, "bottom10")):
        entity = targets["player_id"].to_numpy() * 64 + code
        previous = timeline.previous(entity, day)
        game_days = timeline.lags(timeline.day, previous, SPLIT_WINDOW)
        in_range = game_days >= season_start[:, None]
        for column in BASE_COLUMNS:
            lags = timeline.lags(grouped[column].to_numpy(float), previous, SPLIT_WINDOW)
            columns[f"f_vs_{label}_{column}"] = window_mean(np.where(in_range, lags, np.nan))
        columns[f"f_vs_{label}_games"] = window_count(np.where(in_range, game_days, np.nan))
    return pd.DataFrame(columns)
