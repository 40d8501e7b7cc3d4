"""Pick'em apps' payout tables: versioned JSON files with effective dates, validated on load.

Each file (`<app>.json`, shipped as package data) lists the app's table versions, each with the
date it applies from, where its figures come from, and its rules for pushes and voided legs.
Multipliers are payouts per unit entered (a 3x two-pick Power Play returns 3 units, stake
included). Changing a payout is a new version in the file, never an edit of code, so a slip
dated before the change is still settled by the table then in force.

`settlement_grid` turns a version into the one lookup the simulation needs: the multiplier for
every (legs still counted, legs won), after pushes removed legs from the slip.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from importlib import resources
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from statmusepicks.core.errors import ValidationError

Play = Literal["power", "flex"]
MIN_LEGS, MAX_LEGS = 2, 6
Multipliers = dict[int, dict[int, float]]


def _check_rows(rows: Multipliers, where: str) -> None:
    for legs, row in rows.items():
        if not 1 <= legs <= MAX_LEGS:
            raise ValueError(f"{where}: {legs} legs is outside 1 to {MAX_LEGS}")
        for hits, multiplier in row.items():
            if not 0 <= hits <= legs or multiplier < 0:
                raise ValueError(f"{where}: {hits} of {legs} pays {multiplier}")


class PlayPayouts(BaseModel):
    """One kind of entry: its multipliers by legs then legs won (missing: pays nothing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    payouts: Multipliers = Field(description="Entries offered: legs -> legs won -> multiplier.")
    reverted: Multipliers = Field(
        default_factory=dict,
        description="Entries reached only when pushes drop legs (e.g. a 2-pick down to 1).",
    )
    reverts_to: Play | None = Field(
        None, description="The play whose table takes over when this one has no row for a size."
    )

    @model_validator(mode="after")
    def _valid(self) -> PlayPayouts:
        _check_rows(self.payouts, self.label)
        _check_rows(self.reverted, f"{self.label} (reverted)")
        return self


class PayoutVersion(BaseModel):
    """An app's payout table from one date on, with its source and its reversion rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    effective_from: dt.date
    source: str = Field(min_length=10)
    notes: str = ""
    single_team_refund: bool = Field(
        description="A slip whose counted legs are all on one team is refunded."
    )
    min_teams: int = Field(ge=1, description="Teams an entry must draw its legs from.")
    plays: dict[Play, PlayPayouts]

    @model_validator(mode="after")
    def _targets_exist(self) -> PayoutVersion:
        for name, play in self.plays.items():
            if play.reverts_to is not None and play.reverts_to not in self.plays:
                raise ValueError(f"{name} reverts to {play.reverts_to}, which is not listed")
        return self

    def sizes(self, play: Play) -> list[int]:
        """The leg counts an entry of this play may have."""
        return sorted(self.plays[play].payouts) if play in self.plays else []

    def _row(self, play: Play, legs: int) -> dict[int, float] | None:
        """The multipliers of a slip of `play` left with `legs` counted legs."""
        own = self.plays[play]
        chain = [own] if own.reverts_to is None else [own, self.plays[own.reverts_to]]
        for table in ("payouts", "reverted"):
            for candidate in chain:
                row = getattr(candidate, table).get(legs)
                if row is not None:
                    return dict(row)
        return None

    def settlement_grid(self, play: Play, legs: int) -> npt.NDArray[np.float64]:
        """grid[counted, won]: the multiplier of a `legs`-leg `play` slip after pushes left
        `counted` legs, `won` of them winning. No table for the size left: a refund (1.0)."""
        grid = np.zeros((legs + 1, legs + 1))
        grid[0, 0] = 1.0
        for counted in range(1, legs + 1):
            row = self._row(play, counted)
            if row is None:
                grid[counted, : counted + 1] = 1.0
                continue
            for won in range(counted + 1):
                grid[counted, won] = row.get(won, 0.0)
        return grid


class PayoutApp(BaseModel):
    """One app's file: its versions, oldest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app: str
    label: str
    versions: list[PayoutVersion] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> PayoutApp:
        dates = [v.effective_from for v in self.versions]
        if dates != sorted(set(dates)):
            raise ValueError(f"{self.app}: versions must have distinct dates, oldest first")
        return self

    def in_force(self, on: dt.date) -> PayoutVersion:
        """The version that settles a slip dated `on`; 422 before the first one."""
        found = [v for v in self.versions if v.effective_from <= on]
        if not found:
            first = self.versions[0].effective_from.isoformat()
            raise ValidationError(
                f"No {self.label} payout table in force on {on.isoformat()} (the first applies "
                f"from {first}).",
                details={"app": self.app, "date": on.isoformat(), "first": first},
            )
        return found[-1]


_lock = threading.Lock()
_apps: dict[str, PayoutApp] = {}


def payout_apps() -> dict[str, PayoutApp]:
    """Every app's table, read from the package's JSON files once (under a lock)."""
    if not _apps:
        with _lock:
            if not _apps:
                folder = resources.files(__name__)
                loaded = {}
                for entry in folder.iterdir():
                    if entry.name.endswith(".json"):
                        app = PayoutApp.model_validate(json.loads(entry.read_text("utf-8")))
                        loaded[app.app] = app
                _apps.update(loaded)
    return _apps


def payout_version(app: str, play: Play, legs: int, on: dt.date) -> PayoutVersion:
    """The table in force for this app and date, checked to offer `legs`-leg `play` entries."""
    apps = payout_apps()
    if app not in apps:
        raise ValidationError(
            f"Unknown app {app!r}. Use one of: {', '.join(sorted(apps))}.",
            details={"app": app, "accepted": sorted(apps)},
        )
    version = apps[app].in_force(on)
    sizes = version.sizes(play)
    if legs not in sizes:
        raise ValidationError(
            f"{apps[app].label} {play} entries take {', '.join(map(str, sizes))} legs, not {legs}.",
            details={"app": app, "play": play, "legs": legs, "sizes": sizes},
        )
    return version
