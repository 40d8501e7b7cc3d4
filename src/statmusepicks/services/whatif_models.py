"""Request and response models of the what-if and line-sensitivity use cases (the API's
published schema)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from statmusepicks.services.context_models import PlayerId
from statmusepicks.services.prediction_request import MAX_LINE, TeamCode

PlayerQuery = (
    Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    | PlayerId
)
MAX_TEAMMATES = 15


class WhatIfRequest(BaseModel):
    """A prop to price twice: as reported, and with the named teammates sitting or playing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    player: PlayerQuery = Field(
        description="Name (loose on accents and case) or NBA.com player id.",
        examples=["Jalen Brunson"],
    )
    stat: str = Field(min_length=1, max_length=40, examples=["points"])
    line: float = Field(gt=0, le=MAX_LINE, allow_inf_nan=False, examples=[26.5])
    date: dt.date | None = Field(None, description="Game date (default: the player's next game).")
    opponent: TeamCode | None = Field(
        None, description="Opponent abbreviation, when the schedule does not know the game."
    )
    sit: list[PlayerQuery] = Field(
        default_factory=list,
        max_length=MAX_TEAMMATES,
        description="Teammates to rule out (names or ids), whatever the injury report says.",
        examples=[["Karl-Anthony Towns"]],
    )
    play: list[PlayerQuery] = Field(
        default_factory=list,
        max_length=MAX_TEAMMATES,
        description="Teammates to put back in (e.g. listed out, returning).",
    )

    @model_validator(mode="after")
    def _some_teammate(self) -> WhatIfRequest:
        if not self.sit and not self.play:
            raise ValueError("name at least one teammate in `sit` or `play`")
        if {str(p).lower() for p in self.sit} & {str(p).lower() for p in self.play}:
            raise ValueError("a teammate cannot both sit and play")
        return self


class TeammateRef(BaseModel):
    """A player named in a scenario."""

    player_id: int
    name: str


class MinutesProjection(BaseModel):
    """Projected minutes with their spread (`features.minutes`)."""

    minutes: float = Field(ge=0, le=48, description="Projected (median) minutes.")
    sd: float = Field(ge=0, description="Standard deviation of the minutes.")
    p10: float = Field(ge=0, le=48)
    p90: float = Field(ge=0, le=48)

    @classmethod
    def from_row(cls, row: pd.Series) -> MinutesProjection:
        return cls(
            minutes=round(float(row["minutes"]), 1),
            sd=round(float(row["minutes_sd"]), 1),
            p10=round(float(row["minutes_p10"]), 1),
            p90=round(float(row["minutes_p90"]), 1),
        )


class Scenario(BaseModel):
    """One pricing of the prop under one set of absent teammates."""

    over_probability: float = Field(ge=0, le=1, description="Calibrated P(over), pushes aside.")
    model_over_probability: float = Field(ge=0, le=1, description="Before calibration.")
    push_probability: float = Field(ge=0, le=1)
    mean: float = Field(description="Predicted mean of the stat.")
    minutes: MinutesProjection
    absent: list[TeammateRef] = Field(description="Teammates listed absent in this scenario.")
    rotation_out: int = Field(ge=0, description="Of them, rotation players (the ones that count).")
    rotation_minutes_out: float = Field(ge=0, description="Their minutes per game.")


class WhatIfResponse(BaseModel):
    """Base vs what-if prices of one prop."""

    player: str
    player_id: int
    team: str
    stat: str
    line: float
    game_date: dt.date
    opponent: str | None
    scheduled: bool
    sit: list[TeammateRef]
    play: list[TeammateRef]
    base: Scenario
    whatif: Scenario
    over_probability_change: float
    minutes_change: float
    minutes_cap: float | None = Field(
        description="A minutes restriction read from injury notes or news before the game day "
        "(caps the projected minutes; the stat models do not read it)."
    )
    model_version: str
    data_as_of: dt.date


class SensitiveLine(BaseModel):
    """How much one line's P(over) moves if one uncertain teammate's status flips."""

    player: str
    player_id: int
    team: str
    stat: str
    line: float
    teammate: TeammateRef
    teammate_status: str = Field(description="His status in the latest injury report.")
    scenario: Literal["sits", "plays"] = Field(
        description="`sits` for a questionable teammate (priced as playing), `plays` for a "
        "doubtful one (priced as out)."
    )
    base_over_probability: float = Field(ge=0, le=1)
    whatif_over_probability: float = Field(ge=0, le=1)
    change: float
    base_minutes: float
    whatif_minutes: float


class SensitivityResponse(BaseModel):
    """A day's lines ranked by how much an uncertain teammate moves them (largest first)."""

    date: dt.date
    uncertain_teammates: int
    lines: list[SensitiveLine]
