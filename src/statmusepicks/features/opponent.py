"""Opponent strength from team box scores, as of the day before each game.

Ratings are season-to-date sums (points allowed per 100 estimated possessions, possessions per
48 minutes) shrunk toward a prior worth PRIOR_GAMES games: last season's rating regressed half
way to last season's league average. So a rating exists from opening night and early-season
noise is damped; `f_opp_rating_games` tells a model how much of it is this season's evidence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.features.arenas import TEAMS
from statmusepicks.features.inputs import BASE_COLUMNS, FeatureInputs, previous_season
from statmusepicks.features.timeline import Timeline, window_mean

PRIOR_GAMES = 10
# Team defensive ratings keep about half their distance from the league mean from one season to
# the next, so the prior regresses last season's rating half way.
PRIOR_REGRESSION = 0.5
TOP_TIER, BOTTOM_TIER = 10, 21
ALLOWED_COLUMNS = ("pts", "reb", "ast", "fg3m", "stl", "blk", "tov")
ALLOWED_WINDOW = 10
MATCHUP_WINDOW = 10
SPLIT_WINDOW = 20
RATING_SOURCES = ("none", "previous_season", "blended", "season")


def _running(inputs: FeatureInputs) -> pd.DataFrame:
    def compute() -> pd.DataFrame:
        games = inputs.team_games
        keys = [games["team_code"], games["season"]]
        running = games[["opp_pts", "pts", "poss", "min"]].groupby(keys, sort=False).cumsum()
        running["games"] = games.groupby(keys, sort=False).cumcount() + 1
        return running

    return inputs.memo("team_running", compute)


def _priors(inputs: FeatureInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
        games = inputs.team_games
        sums = ["opp_pts", "poss", "min"]
        team = games.groupby(["team_code", "season"])[sums].sum()
        league = games.groupby("season")[sums].sum()
        for table in (team, league):
            table["drtg"] = 100 * table["opp_pts"] / table["poss"]
            table["pace"] = 48 * table["poss"] / (table["min"] / 5)
        return team, league

    return inputs.memo("team_priors", compute)


def ratings_as_of(
    inputs: FeatureInputs, team_code: np.ndarray, day: np.ndarray, season: np.ndarray
) -> pd.DataFrame:
    """Shrunk defensive rating, pace, this-season games and source of each team as of `day`."""
    games, teams = inputs.team_games, inputs.teams
    previous = teams.previous(team_code, day)
    running = _running(inputs)
    same = teams.label(games["season"].to_numpy(), previous) == season
    played = np.where(same, teams.state(running["games"].to_numpy(), previous), 0.0)
    team_prior, league_prior = _priors(inputs)
    last = previous_season(pd.Series(season, dtype=object))
    team_last = team_prior.reindex(pd.MultiIndex.from_arrays([team_code, last]))
    league_last = league_prior.reindex(last)
    result: dict[str, np.ndarray] = {"games": played}
    for name, numerator, scale in (("drtg", "opp_pts", 100.0), ("pace", "poss", 48.0)):
        denominator = "poss" if name == "drtg" else "min"
        total_num = teams.state(running[numerator].to_numpy(), previous)
        total_den = teams.state(running[denominator].to_numpy(), previous)
        if name == "pace":
            total_den = total_den / 5
        with np.errstate(invalid="ignore", divide="ignore"):
            this_season = np.where(played > 0, scale * total_num / total_den, np.nan)
        league = league_last[name].to_numpy(float)
        prior = league + PRIOR_REGRESSION * (team_last[name].to_numpy(float) - league)
        prior = np.where(np.isnan(prior), league, prior)
        blended = (played * this_season + PRIOR_GAMES * prior) / (played + PRIOR_GAMES)
        result[name] = np.where(
            played == 0, prior, np.where(np.isnan(prior), this_season, blended)
        )
    has_prior = ~np.isnan(league_last["drtg"].to_numpy(float))
    source = np.where(
        played >= PRIOR_GAMES, 3, np.where(played > 0, 2, np.where(has_prior, 1, 0))
    )
    result["source"] = source.astype(float)
    return pd.DataFrame(result)


def _rank_table(inputs: FeatureInputs) -> pd.Series:
    """Defensive rank (1 = fewest points allowed per 100) of every team on each needed day."""

    def compute() -> pd.Series:
        days = pd.concat(
            [
                inputs.targets[["day", "season"]],
                inputs.history[["day", "season"]],
            ]
        ).drop_duplicates("day", ignore_index=True)
        grid = days.loc[days.index.repeat(len(TEAMS))].reset_index(drop=True)
        grid["team_code"] = np.tile(np.arange(len(TEAMS)), len(days))
        ratings = ratings_as_of(
            inputs,
            grid["team_code"].to_numpy(),
            grid["day"].to_numpy(),
            grid["season"].to_numpy(),
        )
        grid["rank"] = ratings["drtg"].groupby(grid["day"]).rank(method="min").to_numpy()
        return grid.set_index(["day", "team_code"])["rank"]

    return inputs.memo("defence_ranks", compute)


def _rank_of(inputs: FeatureInputs, day: np.ndarray, team_code: np.ndarray) -> np.ndarray:
    ranks = _rank_table(inputs)
    return ranks.reindex(pd.MultiIndex.from_arrays([day, team_code])).to_numpy(float)


def team_ratings(inputs: FeatureInputs) -> pd.DataFrame:
    """Opponent defensive rating, pace and defensive rank; the player's own team's pace."""
    targets = inputs.targets
    day, season = targets["day"].to_numpy(), targets["season"].to_numpy()
    opponent = ratings_as_of(inputs, targets["opp_code"].to_numpy(), day, season)
    own = ratings_as_of(inputs, targets["team_code"].to_numpy(), day, season)
    return pd.DataFrame(
        {
            "f_opp_drtg": opponent["drtg"].to_numpy(),
            "f_opp_pace": opponent["pace"].to_numpy(),
            "f_opp_def_rank": _rank_of(inputs, day, targets["opp_code"].to_numpy()),
            "f_opp_rating_games": opponent["games"].to_numpy(),
            "f_team_pace": own["pace"].to_numpy(),
        }
    )


def allowed_last10(inputs: FeatureInputs) -> pd.DataFrame:
    """What the opponent's opponents made per game over its last 10 games, per stat."""
    targets = inputs.targets
    previous = inputs.teams.previous(targets["opp_code"].to_numpy(), targets["day"].to_numpy())
    columns = {}
    for column in ALLOWED_COLUMNS:
        values = inputs.team_games[f"opp_{column}"].to_numpy(float)
        lags = inputs.teams.lags(values, previous, ALLOWED_WINDOW)
        columns[f"f_opp_allowed_{column}"] = window_mean(lags)
    return pd.DataFrame(columns)


def _grouped_history(
    inputs: FeatureInputs, name: str, group: np.ndarray
) -> tuple[pd.DataFrame, Timeline]:
    """The player history re-sorted by (player_id * 64 + group, day) with its timeline."""

    def compute() -> tuple[pd.DataFrame, Timeline]:
        history = inputs.history.assign(entity=inputs.history["player_id"].to_numpy() * 64 + group)
        history = history.sort_values(["entity", "day"], kind="mergesort").reset_index(drop=True)
        timeline = Timeline.from_sorted(history["entity"].to_numpy(), history["day"].to_numpy())
        return history, timeline

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

    A game's tier is the opponent's defensive rank on that game's date, so the split itself uses
    nothing from later games.
    """
    rank = _rank_of(inputs, inputs.history["day"].to_numpy(), inputs.history["opp_code"].to_numpy())
    tier = np.where(rank <= TOP_TIER, 1, np.where(rank >= BOTTOM_TIER, 2, 0))
    history, timeline = _grouped_history(inputs, "defence_tiers", tier)
    targets = inputs.targets
    columns: dict[str, np.ndarray] = {}
    for code, label in ((1, "top10"), (2, "bottom10")):
        entity = targets["player_id"].to_numpy() * 64 + code
        means = _group_means(history, timeline, entity, targets["day"].to_numpy(), SPLIT_WINDOW)
        columns.update({f"f_vs_{label}_{name}": values for name, values in means.items()})
    return pd.DataFrame(columns)
