"""Requests and answers of the slip endpoints (`POST /api/slip`, `POST /api/slip/best`).

The routes declare these as their body and `response_model`, so the published OpenAPI schema
states every bound the service enforces; the few checks that need data (the app's table in
force on the date, its leg counts, the players) answer 422 from the service.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from statmusepicks.data.payouts import MAX_LEGS, MIN_LEGS, Play
from statmusepicks.models.leg_correlation import Relation
from statmusepicks.services.context_models import PlayerId
from statmusepicks.services.prediction_request import MAX_LINE

Side = Literal["over", "under"]
# The words the apps print on their buttons.
SIDE_WORDS = {"more": "over", "higher": "over", "less": "under", "lower": "under"}
MAX_DRAWS = 200_000
DEFAULT_DRAWS = 20_000


def _side(value: Any) -> Any:
    if isinstance(value, str):
        word = value.strip().lower()
        return SIDE_WORDS.get(word, word)
    return value


AppName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40),
    Field(description="The pick'em app whose payout table settles the slip: prizepicks, underdog."),
]
Stake = Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False, description="Entry fee.")]
Draws = Annotated[
    int, Field(ge=1_000, le=MAX_DRAWS, description="Monte Carlo draws (more: a smaller error).")
]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="Random seed: one seed, one answer.")]


class SlipLegRequest(BaseModel):
    """One pick: a player's stat, the app's line, and the side taken."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    player: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | PlayerId
    ) = Field(description="Name (accents and case optional) or NBA.com id.")
    stat: str = Field(min_length=1, max_length=40, description="Stat key, alias or app label.")
    line: float = Field(gt=0, le=MAX_LINE, allow_inf_nan=False, description="The app's line.")
    side: Annotated[Side, BeforeValidator(_side)] = Field(
        description="over or under (more/higher and less/lower are accepted)."
    )


class SlipRequest(BaseModel):
    """A slip to price: 2 to 6 legs on one app's table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app: AppName = "prizepicks"
    play: Play = Field("power", description="power (all must win) or flex (partial payouts).")
    legs: list[SlipLegRequest] = Field(min_length=MIN_LEGS, max_length=MAX_LEGS)
    date: dt.date | None = Field(None, description="Game date (default: each player's next game).")
    stake: Stake = 1.0
    draws: Draws = DEFAULT_DRAWS
    seed: Seed = 0


class SlipSearchRequest(BaseModel):
    """Find the best slip of a size from a date's board."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date = Field(description="The board's date: its stored lines are the candidates.")
    size: int = Field(3, ge=MIN_LEGS, le=MAX_LEGS, description="Legs in the slip.")
    app: AppName = "prizepicks"
    play: Play = "power"
    stat: str | None = Field(None, min_length=1, max_length=40, description="Only this stat.")
    candidates: int = Field(
        30, ge=4, le=80, description="Legs considered: the board's most likely sides, one a player."
    )
    balanced: bool = Field(
        True,
        description=(
            "Only lines the books price near even (de-vigged P(over) 35-65 %), as the apps "
            "post; false also takes lopsided lines."
        ),
    )
    beam_width: int = Field(6, ge=1, le=20, description="Partial slips kept at each step.")
    stake: Stake = 1.0
    draws: Draws = DEFAULT_DRAWS
    seed: Seed = 0


class SlipLeg(BaseModel):
    """A priced leg."""

    player: str
    player_id: int
    team: str | None
    opponent: str | None
    game_date: str
    stat: str
    line: float
    side: Side
    win_probability: float = Field(ge=0, le=1, description="P(this leg wins).")
    loss_probability: float = Field(ge=0, le=1)
    push_probability: float = Field(ge=0, le=1, description="P(the stat lands on the line).")
    predicted_value: float = Field(description="Mean of the stat's predictive distribution.")
    margin_over_break_even: float = Field(
        description="win_probability minus the slip's break-even probability per leg."
    )
    model_version: str | None = None


class SlipOutcomeRow(BaseModel):
    """One settled outcome of the slip."""

    legs_counted: int = Field(ge=0, description="Legs left after pushes dropped some.")
    legs_won: int = Field(ge=0)
    multiplier: float = Field(ge=0, description="Payout per unit entered, stake included.")
    probability: float = Field(ge=0, le=1)


class PayoutProbability(BaseModel):
    """P(the slip pays this multiplier)."""

    multiplier: float = Field(ge=0)
    probability: float = Field(ge=0, le=1)


class LegPair(BaseModel):
    """The correlation the simulation used between two legs (indexes into `legs`)."""

    first: int = Field(ge=0)
    second: int = Field(ge=0)
    relation: Relation
    correlation: float = Field(ge=-1, le=1)


class PayoutTableInfo(BaseModel):
    """The payout table that settles the slip."""

    app: str
    app_label: str
    play: Play
    play_label: str
    version: str
    effective_from: dt.date
    source: str
    notes: str
    multipliers: dict[int, float] = Field(description="Legs won -> multiplier, all legs counted.")


class IndependentView(BaseModel):
    """The same slip with independent legs (exact enumeration): what correlation changes."""

    expected_multiplier: float
    expected_value: float
    probability_all_win: float = Field(ge=0, le=1)


class CorrelationSource(BaseModel):
    """The box scores the correlations were estimated from (all before the slip's date)."""

    games_from: str | None
    games_to: str | None
    pairs: dict[str, int] = Field(description="Player-games or player pairs per relation.")


class SlipResponse(BaseModel):
    """`POST /api/slip`: the joint payout distribution of a slip, its EV and break-even."""

    date: str
    app: str
    play: Play
    stake: float
    legs: list[SlipLeg]
    payout_table: PayoutTableInfo
    outcomes: list[SlipOutcomeRow]
    payouts: list[PayoutProbability]
    expected_multiplier: float = Field(description="Mean payout per unit entered.")
    expected_payout: float = Field(description="stake x expected_multiplier.")
    expected_value: float = Field(description="Expected profit of the entry: stake x (mult - 1).")
    standard_error: float = Field(ge=0, description="Monte Carlo error of expected_value.")
    probability_all_win: float = Field(ge=0, le=1)
    probability_profit: float = Field(ge=0, le=1, description="P(payout above the stake).")
    break_even_probability: float = Field(
        ge=0, le=1, description="Win probability each leg needs (independent, no push) for EV 0."
    )
    independent: IndependentView
    correlations: list[LegPair]
    correlation_source: CorrelationSource
    draws: int
    seed: int
    disclaimer: str


class SlipCandidate(BaseModel):
    """A slip the search kept, by its legs' indexes in the search's candidates."""

    legs: list[str] = Field(description="'Player stat side line' per leg.")
    expected_value: float


class BestSlipResponse(BaseModel):
    """`POST /api/slip/best`: the best slip of a size from the board, and the runners-up."""

    date: str
    size: int
    candidates: int = Field(ge=0, description="Board legs the search chose from.")
    slips_scored: int = Field(ge=0)
    best: SlipResponse
    runners_up: list[SlipCandidate]
