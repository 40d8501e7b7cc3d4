"""Game context: venue, rest, schedule density, travel, altitude and the point of the season."""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.core.seasons import season_start_days
from statmusepicks.features.arenas import distance_km, is_altitude, utc_offset
from statmusepicks.features.inputs import FeatureInputs

# Rest is capped: beyond two weeks (season openers, injury returns) more days say nothing new,
# and the ~180-day summer gap would dominate any linear model.
MAX_REST_DAYS = 15
# Season day 0 is 1 October, 30 days after the 1 September that opens a season label.
SEASON_OPENING_OFFSET = 30


def _venue(inputs: FeatureInputs) -> np.ndarray:
    targets = inputs.targets
    return np.where(targets["is_home"], targets["team_code"], targets["opp_code"])


def schedule(inputs: FeatureInputs) -> pd.DataFrame:
    """Home flag, days since the player's last game, back-to-back and games in the last 7 days."""
    targets = inputs.targets
    day = targets["day"].to_numpy()
    player = targets["player_id"].to_numpy()
    last_day = inputs.players.state(inputs.players.day, inputs.previous)
    rest = np.minimum(day - last_day, MAX_REST_DAYS)
    games_before = inputs.players.count_before(player, day)
    games_before_week = inputs.players.count_before(player, day - 7)
    return pd.DataFrame(
        {
            "f_is_home": targets["is_home"].to_numpy(float),
            "f_rest_days": rest,
            "f_back_to_back": np.where(np.isnan(rest), np.nan, (rest == 1).astype(float)),
            "f_games_last7": (games_before - games_before_week).astype(float),
        }
    )


def travel(inputs: FeatureInputs) -> pd.DataFrame:
    """Distance and time-zone shift from the previous game's arena; altitude of this arena."""
    venue = _venue(inputs)
    last_venue = inputs.players.label(inputs.history["venue_code"].to_numpy(), inputs.previous)
    found = inputs.previous >= 0
    origin = np.where(found, last_venue, venue).astype(np.int64)
    return pd.DataFrame(
        {
            "f_travel_km": np.where(found, distance_km(origin, venue), np.nan),
            # Positive when flying east (losing hours), e.g. LAL -> BOS = +3.
            "f_tz_shift": np.where(found, utc_offset(venue) - utc_offset(origin), np.nan),
            "f_altitude": is_altitude(venue).astype(float),
        }
    )


def calendar(inputs: FeatureInputs) -> pd.DataFrame:
    """Month of the game and days since 1 October of the season's first year."""
    targets = inputs.targets
    day = targets["day"].to_numpy()
    months = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    opening = season_start_days(targets["season"]) + SEASON_OPENING_OFFSET
    return pd.DataFrame(
        {
            "f_month": (months % 12 + 1).astype(float),
            "f_season_day": (day - opening).astype(float),
        }
    )
