"""Role clusters from box scores, a stand-in for positions the bundled data does not hold.

A player's role in season S is the cluster of his season S-1 profile: per-36 points, rebounds,
assists, threes, blocks and steals plus minutes per game, standardised and grouped by KMeans
(a fixed seed and a small k) fitted on the season S-1 profiles of the whole league. Nothing of
season S or later is read, so a role never moves when this season's games arrive. Players with
too few minutes the season before, or none, get the "unknown" role.

KMeans numbers its clusters arbitrarily, so each season's clusters are matched to the previous
season's (the assignment that minimises the centroid distances) to keep one column meaning
one role across seasons; the matching, too, reads earlier seasons only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

from statmusepicks.core.seasons import season_label, season_start_year
from statmusepicks.features.inputs import FeatureInputs

ROLE_COUNT = 5
ROLE_SEED = 0
UNKNOWN_ROLE = -1
# A season under ~10 games of real minutes says little about a player's role.
MIN_SEASON_MINUTES = 250.0
PROFILE_RATES = ("pts", "reb", "ast", "fg3m", "blk", "stl")
PROFILE_COLUMNS = (*(f"{column}_p36" for column in PROFILE_RATES), "min_pg")


def season_profiles(logs: pd.DataFrame) -> pd.DataFrame:
    """Each player-season's per-36 rates and minutes per game (players with enough minutes)."""
    totals = logs.groupby(["season", "player_id"])[[*PROFILE_RATES, "min"]].sum()
    games = logs.groupby(["season", "player_id"]).size()
    totals = totals[totals["min"] >= MIN_SEASON_MINUTES]
    profiles = pd.DataFrame(index=totals.index)
    for column in PROFILE_RATES:
        profiles[f"{column}_p36"] = 36 * totals[column] / totals["min"]
    profiles["min_pg"] = totals["min"] / games.reindex(totals.index)
    return profiles


def _match(centres: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
    """The order of `centres` that lines each up with its nearest `reference` centre."""
    if reference is None:
        # The first season has nothing to match: order the roles by minutes per game.
        return np.argsort(centres[:, -1], kind="stable")
    distances = np.linalg.norm(reference[:, None, :] - centres[None, :, :], axis=2)
    _, order = linear_sum_assignment(distances)
    return np.asarray(order)


def season_roles(logs: pd.DataFrame, k: int = ROLE_COUNT) -> pd.DataFrame:
    """(season, player_id) -> role for season S, clustered from season S-1 profiles only.

    `season` is the season the role applies to (the one after the profile's).
    """
    profiles = season_profiles(logs)
    rows, reference = [], None
    for season in sorted(profiles.index.get_level_values("season").unique()):
        block = profiles.loc[season]
        if len(block) < k:
            continue
        scaler = StandardScaler().fit(block.to_numpy(float))
        scaled = scaler.transform(block.to_numpy(float))
        model = KMeans(n_clusters=k, random_state=ROLE_SEED, n_init=10).fit(scaled)
        # Centres in raw units, so that matching does not depend on each season's scaling.
        centres = scaler.inverse_transform(model.cluster_centers_)
        order = _match(centres, reference)
        reference = centres[order]
        relabel = np.empty(k, np.int64)
        relabel[order] = np.arange(k)
        rows.append(
            pd.DataFrame(
                {
                    "profile_season": season,
                    "player_id": block.index.to_numpy(np.int64),
                    "role": relabel[model.labels_],
                }
            )
        )
    if not rows:
        return pd.DataFrame({"season": [], "player_id": [], "role": []})
    roles = pd.concat(rows, ignore_index=True)
    following = {
        s: season_label(season_start_year(s) + 1) for s in roles["profile_season"].unique()
    }
    roles["season"] = roles["profile_season"].map(following)
    return roles[["season", "player_id", "role"]]


def target_roles(inputs: FeatureInputs, k: int = ROLE_COUNT) -> np.ndarray:
    """Each target's role (UNKNOWN_ROLE without a previous-season profile)."""

    def compute() -> np.ndarray:
        seasons = inputs.targets["season"].to_numpy(dtype=object)
        # Roles for season S come from seasons before S only, so the whole history is safe.
        roles = season_roles(inputs.history, k)
        keys = pd.DataFrame(
            {"season": seasons, "player_id": inputs.targets["player_id"].to_numpy(np.int64)}
        )
        found = keys.merge(roles, on=["season", "player_id"], how="left")["role"]
        return found.fillna(UNKNOWN_ROLE).to_numpy(np.int64)

    return inputs.memo(f"roles:{k}", compute)


def role_clusters(inputs: FeatureInputs) -> pd.DataFrame:
    """One-hot role columns f_role_0 .. f_role_{k-1}; all zero for the unknown role."""
    roles = target_roles(inputs)
    return pd.DataFrame(
        {f"f_role_{index}": (roles == index).astype(float) for index in range(ROLE_COUNT)}
    )
