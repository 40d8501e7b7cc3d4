"""The prop-pricing request: one pydantic model for `/api/predict` and every batch item.

Its Field constraints are the checks the service enforces, so the published OpenAPI schema is
the contract. One check cannot be a static constraint: a line's maximum depends on the stat
(80 for points, 35 for rebounds...), so `validate_request` raises a 422 for it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
)
from pydantic import ValidationError as PydanticValidationError

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import StatSpec, resolve_stat
from statmusepicks.evaluation.odds import is_valid_american
from statmusepicks.services.context_models import PlayerId

DEFAULT_ODDS = -110
# Above every stat's own maximum (fantasy: 150); the stat's maximum is checked per request.
MAX_LINE = 500.0
# Prices beyond +/-100000 are typing errors, not prices.
MAX_ODDS = 100_000.0
MAX_BATCH = 50


def _default_odds(value: Any) -> Any:
    return DEFAULT_ODDS if value is None else value


def _american(odds: float) -> float:
    if not is_valid_american(odds):
        raise ValueError(f"American odds are -100 or lower, or +100 or higher, got {odds:g}")
    return odds


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


# The range the schema states; `_american` also refuses the gap between -100 and +100 (no
# price lies there), which the field's description states.
OddsRange = Annotated[float, Field(ge=-MAX_ODDS, le=MAX_ODDS, allow_inf_nan=False)]
AmericanOdds = Annotated[
    OddsRange,
    Field(
        description=(
            "American odds: -100 or lower, or +100 or higher (the open interval (-100, 100) is "
            "not a price), at most 100000 either way. Absent or null means -110."
        ),
    ),
    BeforeValidator(_default_odds, json_schema_input_type=OddsRange | None),
    AfterValidator(_american),
]
TeamCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=3)]


class PredictionRequest(BaseModel):
    """One prop to price. `player_data` / `opponent_data` are accepted from the frontend and
    kept with the logged request; the service prices from its own box scores."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    player: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | PlayerId
    ) = Field(
        description="Name (loose on accents and case) or NBA.com player id.",
        examples=["Nikola Jokic", 203999],
    )
    stat: str = Field(
        min_length=1,
        max_length=40,
        description="Stat key, alias or PrizePicks label.",
        examples=["points", "Pts+Rebs+Asts"],
    )
    line: float = Field(
        gt=0,
        le=MAX_LINE,
        allow_inf_nan=False,
        description="The prop's line; also at most the stat's own maximum (80 for points).",
        examples=[27.5],
    )
    odds_over: AmericanOdds = DEFAULT_ODDS
    odds_under: AmericanOdds = DEFAULT_ODDS
    date: Annotated[dt.date | None, BeforeValidator(_blank_to_none)] = Field(
        None, description="Game date (default: the player's next game)."
    )
    opponent: Annotated[TeamCode | None, BeforeValidator(_blank_to_none)] = Field(
        None, description="Opponent abbreviation, when the schedule does not know the game."
    )
    player_data: Any = None
    opponent_data: Any = None

    @property
    def player_query(self) -> str:
        """The player as the name resolver takes it (an id becomes its digits)."""
        return str(self.player)

    def logged(self) -> dict[str, Any]:
        """The request as stored with a served prediction (frontend payloads only when sent)."""
        record = self.model_dump(mode="json") | {"player": self.player_query}
        return {
            name: value
            for name, value in record.items()
            if name not in ("player_data", "opponent_data") or value is not None
        }


BATCH_ITEM: TypeAdapter[PredictionRequest] = TypeAdapter(PredictionRequest)


def parse_item(item: Any) -> PredictionRequest:
    """A batch item as a request; a readable 422 for an item the model refuses."""
    try:
        return BATCH_ITEM.validate_python(item)
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            if error["loc"]
            else error["msg"]
            for error in exc.errors()
        )
        raise ValidationError(f"Bad prediction item: {problems}") from exc


def validate_request(request: PredictionRequest) -> StatSpec:
    """The stat's spec; 422 for a line above the stat's own maximum."""
    spec = resolve_stat(request.stat)
    if request.line > spec.max_line:
        raise ValidationError(
            f"line must be above 0 and at most {spec.max_line:g} for {spec.key}, "
            f"got {request.line:g}.",
            details={"line": request.line, "max_line": spec.max_line},
        )
    return spec
