"""The one list of feature functions. A new feature is one function here and one line below.

Each function takes the prepared `FeatureInputs` and returns one row per target (same order)
whose columns all start with `f_`; each reads only games strictly before the target's date.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from statmusepicks.features import advanced, context, minutes, opponent, rolling
from statmusepicks.features.inputs import FeatureInputs

FeatureFunction = Callable[[FeatureInputs], pd.DataFrame]

FEATURES: list[FeatureFunction] = [
    rolling.recent_form,
    rolling.season_averages,
    rolling.per36_rates,
    rolling.line_hit_rates,
    context.schedule,
    context.travel,
    context.calendar,
    opponent.team_ratings,
    opponent.allowed_last10,
    opponent.player_vs_opponent,
    opponent.defence_splits,
    advanced.efficiency,
    advanced.teammates_out,
    minutes.minutes_projection,
]

# Features whose distribution is set by the date rather than by the players: the month, the day
# of the season and the games counted since it opened. A reference sketched over a whole season
# and a 14-day served window always disagree on them, so drift checks report them without
# letting them request a retrain.
SEASON_CLOCK_FEATURES: frozenset[str] = frozenset(
    {"f_month", "f_season_day", "f_games_season", "f_opp_rating_games"}
)
