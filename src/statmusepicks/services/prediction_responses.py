"""The answers of predict, batch predict and the board, as pydantic models.

The routes declare them as `response_model`, so the published OpenAPI schema is the contract
the frontend, the docs and the tests read. Field names are the snake_case keys the frontend
already uses.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Decision = Literal["OVER", "UNDER", "PASS"]
Side = Literal["OVER", "UNDER"]


class PlayerStatus(BaseModel):
    """The priced player's status in the latest injury report that counts for his game."""

    status: str = Field(
        description=(
            "OUT, DOUBTFUL, QUESTIONABLE, PROBABLE or AVAILABLE (the official report's words; "
            "CSV imports may say DAY-TO-DAY)."
        )
    )
    reported_at: dt.datetime = Field(description="Publication time of the report (UTC).")
    source: str = Field(description="Where the report came from (nba_injury_report, csv...).")


class PricedProp(BaseModel):
    """What `pricing.price_prop` computes for one distribution, line and pair of prices, with
    the player's status (`pricing.with_status`)."""

    predicted_value: float = Field(description="Mean of the predictive distribution.")
    over_probability: float = Field(ge=0, le=1, description="P(over); the three sum to 1.")
    under_probability: float = Field(ge=0, le=1)
    push_probability: float = Field(ge=0, le=1, description="Above 0 only on whole lines.")
    recommendation: Side | None = Field(
        description=(
            "The side to bet, only when its edge is above EDGE_THRESHOLD and its EV is "
            "positive; null means no lean (the frontend shows NO LEAN)."
        )
    )
    decision: Decision = Field(
        description="The same verdict as `recommendation`, with PASS instead of null."
    )
    expected_value: float = Field(
        description="Profit per unit staked on the recommended side (the better side on a PASS)."
    )
    expected_value_over: float
    expected_value_under: float
    confidence: float = Field(
        ge=50, le=100, description="Probability of the favoured side, in percent (50 to 100)."
    )
    confidence_probability: float = Field(
        ge=0.5, le=1, description="Probability of the favoured side (`confidence` / 100)."
    )
    confidence_label: Literal["low", "medium", "high"]
    kelly_fraction: float = Field(ge=0, description="Quarter Kelly, capped at KELLY_CAP.")
    edge: float = Field(description="Our P(side) minus the market's, both without push.")
    edge_side: Side
    model_over_probability: float = Field(description="The model's own P(over | no push).")
    market_over_probability: float = Field(description="The de-vigged market's P(over).")
    market_source: Literal["stored_lines", "offered_prices"]
    market_books: int = Field(ge=0, description="Books in the stored-lines consensus.")
    fair_odds_over: float = Field(description="Break-even American price of the over.")
    fair_odds_under: float
    std: float = Field(description="Spread of the predictive distribution.")
    player_status: PlayerStatus | None = Field(
        default=None,
        description="The player's own injury status; null when no report that counts lists him.",
    )
    status_flag: str | None = Field(
        default=None,
        description=(
            "QUESTIONABLE, DOUBTFUL (or DAY-TO-DAY) when the player may not play: the price "
            "assumes he plays, and `confidence_label` is one step lower (never high)."
        ),
    )
    model_version: str
    model_scope: Literal["player", "global", "season_average"]


class Factor(BaseModel):
    """One feature's effect on the prediction, in plain words."""

    feature: str
    description: str
    effect: float
    direction: Literal["raises", "lowers"]


class PredictionResponse(PricedProp):
    """`POST /api/predict`: one priced prop."""

    player: str = Field(description="Resolved name.")
    player_id: int
    team: str | None
    stat: str = Field(description="Canonical stat key.")
    stat_label: str
    line: float
    odds_over: float
    odds_under: float
    game_date: str = Field(description="The game priced (ISO date).")
    opponent: str | None
    is_home: bool | None
    scheduled: bool = Field(description="Whether the schedule holds the game priced.")
    explanation: str
    factors: list[Factor]
    data_as_of: str = Field(description="Date of the newest box score used (ISO date).")
    disclaimer: str


class BatchErrorItem(BaseModel):
    """A batch item that could not be priced: the item's own fields, then the error."""

    model_config = ConfigDict(extra="allow")

    error: str
    code: str
    status: int = Field(description="The HTTP status this error has on its own.")


class BatchResponse(BaseModel):
    """`POST /api/batch_predict`: one answer per item, in request order."""

    predictions: list[PredictionResponse | BatchErrorItem]


class BestPrice(BaseModel):
    """The best price of one side across books."""

    book: str
    odds: int


class BoardProp(PricedProp):
    """One (player, stat, line) of the board, priced at the best prices across books."""

    player: str
    player_id: int
    team: str
    opponent: str
    stat: str
    line: float
    main_line: bool
    best_over: BestPrice
    best_under: BestPrice
    books: list[str]


class BoardFilters(BaseModel):
    stat: str | None
    book: str | None
    min_edge: float | None


class PlayerOut(BaseModel):
    """A player the board does not price because the injury report rules him out."""

    player: str
    player_id: int
    lines: int = Field(ge=0, description="His lines left off the board.")
    player_status: PlayerStatus


class BoardResponse(BaseModel):
    """`GET /api/board`: every stored line of a date, priced, ranked by expected value."""

    date: str
    filters: BoardFilters
    count: int
    unpriced: int = Field(description="Lines of players the models could not price.")
    players_out: list[PlayerOut] = Field(
        default_factory=list,
        description="Players with lines that the latest injury report rules OUT: not priced.",
    )
    props: list[BoardProp]
    disclaimer: str
