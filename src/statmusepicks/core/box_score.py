"""The box score: its counting columns and the estimates every layer derives from them.

The formulas take scalars, numpy arrays or pandas Series alike (plain arithmetic), so the
ingestion, the features and the services compute possessions with one definition.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd

# Counting columns of an NBA.com box score, in the order the bundled files and tables use.
BOX_SCORE_COLUMNS = (
    "pts", "reb", "oreb", "dreb", "ast", "stl", "blk", "tov", "pf",
    "fgm", "fga", "fg3m", "fg3a", "ftm", "fta",
)  # fmt: skip

# Possessions per free-throw attempt: a two-shot foul ends one possession (0.5 an attempt), an
# and-one or a technical ends none and a three-shot foul one in three, so the league-wide share
# is 0.44 (Basketball-Reference's and NBA.com's estimate).
FREE_THROW_TRIP_SHARE = 0.44

Numbers = TypeVar("Numbers", float, np.ndarray, pd.Series)


def shooting_possessions(fga: Numbers, fta: Numbers) -> Numbers:
    """Possessions ended by a shot: FGA + 0.44 FTA (the denominator of true shooting)."""
    return fga + FREE_THROW_TRIP_SHARE * fta


def plays_finished(fga: Numbers, fta: Numbers, tov: Numbers) -> Numbers:
    """Possessions a player finished: shots, free-throw trips and turnovers (usage, ORtg)."""
    return shooting_possessions(fga, fta) + tov


def possessions(fga: Numbers, oreb: Numbers, tov: Numbers, fta: Numbers) -> Numbers:
    """A team's estimated possessions: FGA - OREB + TOV + 0.44 FTA (the bundle's estimate)."""
    return fga - oreb + tov + FREE_THROW_TRIP_SHARE * fta
