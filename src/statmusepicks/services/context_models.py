"""The player-context contract: what a caller asks for and the camelCase answer the frontend reads.

Python attributes are snake_case; the JSON names are their camelCase aliases (the names the
StatMusePicks frontend has always read), so `model_dump(by_alias=True)` and the API's response
schema give the same document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from statmusepicks.core.stats import STATS

DEFAULT_LIMIT = 10
MAX_LIMIT = 82
MAX_BATCH = 50
# The largest sane line of any stat (fantasy score); each stat has its own, lower, maximum.
MAX_ANY_LINE = max(spec.max_line for spec in STATS.values())
# From the first BAA season to a date far enough ahead for any schedule; pandas' nanosecond
# timestamps, which the feature code uses, cannot hold dates much outside this range.
EARLIEST_DATE = dt.date(1946, 11, 1)
LATEST_DATE = dt.date(2100, 12, 31)
STAT_SPELLING = (
    "Stat key (" + ", ".join(STATS) + "), alias (pts, reb, 3pm, ...) or PrizePicks label "
    "('3-PT Made', 'Pts+Rebs+Asts'); case, spaces and punctuation are ignored. Anything else "
    "is a 422 listing the accepted keys."
)


@dataclass(frozen=True)
class ContextQuery:
    """One context request, as the service takes it."""

    player: str
    stat: str = "points"
    limit: int = DEFAULT_LIMIT
    as_of: dt.date | None = None
    line: float | None = None


# NBA.com ids are positive and stored as 32-bit integers; anything else cannot name a player.
PlayerId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class ContextItem(BaseModel):
    """What to build a context for: the query of `GET /api/player_context` and a batch item.

    The frontend's spellings are accepted too: `player_name`, `stat_type`, `game_date`.
    """

    model_config = ConfigDict(extra="ignore")

    player: (
        Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"\S")] | PlayerId
    ) = Field(
        validation_alias=AliasChoices("player", "player_name"),
        description="Player name (accents and case optional) or NBA.com id; or `player_name`.",
        examples=["Nikola Jokic", 203999],
    )
    stat: str = Field(
        "points",
        validation_alias=AliasChoices("stat", "stat_type"),
        min_length=1,
        max_length=40,
        description=STAT_SPELLING + " Or `stat_type`.",
        examples=["points", "3-PT Made", "Pts+Rebs+Asts"],
    )
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many recent games to list."
    )
    date: dt.date | None = Field(
        None,
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        validation_alias=AliasChoices("date", "game_date"),
        description=(
            f"As of this date (games strictly before it), from {EARLIEST_DATE} to {LATEST_DATE}; "
            "default: the day after the newest stored game. Or `game_date`."
        ),
    )
    line: float | None = Field(
        None,
        ge=0,
        le=MAX_ANY_LINE,
        allow_inf_nan=False,
        description=(
            "Prop line for hit rates: at least 0 and at most the stat's sane maximum ("
            + ", ".join(f"{key} {spec.max_line:g}" for key, spec in STATS.items())
            + "); above it is a 422."
        ),
    )

    def to_query(self) -> ContextQuery:
        """The service's query for this item."""
        return ContextQuery(
            player=str(self.player),
            stat=self.stat,
            limit=self.limit,
            as_of=self.date,
            line=self.line,
        )


class CamelModel(BaseModel):
    """camelCase on the wire, snake_case in Python; built from either."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RecentGame(CamelModel):
    """One of the player's games before `asOf`, newest first."""

    date: dt.date
    game_date: dt.date
    game_id: str
    opponent: str
    home: bool
    stat_value: float | None
    minutes: float | None


class RollingAverages(CamelModel):
    """Simple (3, 5, 10 games), exponential and weighted averages of the stat."""

    sma3: float | None
    sma5: float | None
    sma10: float | None
    ema: float | None
    wma: float | None


class Trend(CamelModel):
    """Direction of the fitted line over the last 10 games."""

    direction: Literal["up", "down", "flat"]
    slope: float | None


class HitRates(CamelModel):
    """Share of the last 5, 10 and 20 games strictly over `line`."""

    line: float
    last5: float | None
    last10: float | None
    last20: float | None


class OpponentContext(CamelModel):
    """The next opponent's defence as of the game."""

    name: str
    defensive_rating: float | None
    pace: float | None
    rank: int | None = Field(description="Defensive rank, 1 (best) to 30.")
    games_this_season: int
    source: str = Field(description="none, previous_season, blended or season.")


class ContextualFactors(CamelModel):
    """Rest and venue of the next game."""

    days_rest: int | None
    is_back_to_back: bool | None
    is_home: bool | None
    games_last7_days: int


class AdvancedRates(CamelModel):
    """Efficiency over the last `window` games (percentages on a 0-100 scale)."""

    usage: float | None
    true_shooting: float | None
    effective_field_goal: float | None
    game_score: float | None
    pie: float | None
    window: int


class NextGame(CamelModel):
    """The player's team's next scheduled game on or after `asOf`."""

    date: dt.date
    opponent: str
    home: bool


class PlayerStatus(CamelModel):
    """The player's status in the latest injury report that counts for his next game."""

    status: str = Field(description="OUT, DOUBTFUL, QUESTIONABLE, PROBABLE or AVAILABLE.")
    reported_at: dt.datetime = Field(description="Publication time of the report (UTC).")
    source: str


class PlayerContext(CamelModel):
    """Recent form, opponent and rest of one player for one stat."""

    player: str
    player_id: int
    team: str | None
    stat: str
    stat_label: str
    season: str
    recent_games: list[RecentGame]
    season_avg: float | None
    season_avg_season: str | None
    games_this_season: int
    no_games_this_season: bool
    rolling_averages: RollingAverages
    trend: Trend
    projected_minutes: float | None
    hit_rates: HitRates | None
    opponent: OpponentContext | None
    contextual_factors: ContextualFactors
    advanced: AdvancedRates
    next_game: NextGame | None
    player_status: PlayerStatus | None = Field(
        default=None,
        description="His own injury status for the next game; null when no report lists him.",
    )
    as_of: dt.date


class ContextError(BaseModel):
    """A batch item that failed; the other items are unaffected."""

    player: str | int | None
    error: str
    code: str
    status: int
