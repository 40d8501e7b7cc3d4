"""How much of The Odds API's request quota one odds snapshot may spend.

The quota is a number of requests per monthly period. Several snapshots a day draw on it, so a
snapshot may spend its fair share of what is left: the remaining requests divided by the
snapshots still to come before the period resets. Every day is counted as a game day (the
schedule may change, and an over-estimate only makes the share smaller), so the quota lasts
to the end of the period. A snapshot that cannot afford every event prices the events that
start soonest (their props are the ones about to close); one that cannot afford a single
event is skipped.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

BudgetMode = Literal["full", "thinned", "skipped"]


@dataclass(frozen=True)
class SnapshotBudget:
    """What a snapshot may spend and how many events it prices."""

    mode: BudgetMode
    events: int
    allowance: float | None
    snapshots_left: int
    reason: str


def quota_period_end(as_of: dt.datetime, *, timezone: str, reset_day: int) -> dt.datetime:
    """The next quota reset (midnight local time on `reset_day`) after `as_of`."""
    local = as_of.astimezone(ZoneInfo(timezone))
    reset = local.replace(day=reset_day, hour=0, minute=0, second=0, microsecond=0)
    if reset <= local:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        reset = reset.replace(year=year, month=month)
    return reset


def snapshots_left(
    as_of: dt.datetime,
    *,
    slots: Sequence[str],
    extra_per_day: int,
    timezone: str,
    reset_day: int,
) -> int:
    """Snapshots from `as_of` (this one included) until the quota resets.

    `slots` are local "HH:MM" times; `extra_per_day` counts snapshots whose time depends on the
    schedule (the one before the first tip-off), each assumed still to come today.
    """
    zone = ZoneInfo(timezone)
    local = as_of.astimezone(zone)
    end = quota_period_end(as_of, timezone=timezone, reset_day=reset_day)
    times = [dt.time.fromisoformat(slot) for slot in slots]
    # This snapshot counts even when it runs a little after its slot.
    count = 1 + sum(1 for t in times if t > local.time()) + extra_per_day
    day = local.date() + dt.timedelta(days=1)
    while dt.datetime.combine(day, dt.time(), zone) < end:
        count += len(times) + extra_per_day
        day += dt.timedelta(days=1)
    return count


def plan_snapshot(
    wanted_events: int, cost_per_event: int, remaining: int | None, snapshots_to_come: int
) -> SnapshotBudget:
    """Price every event, the soonest that fit the fair share, or none."""
    left = max(snapshots_to_come, 1)
    if remaining is None:
        return SnapshotBudget(
            "full", wanted_events, None, left, "the API reported no quota: no budget applied"
        )
    allowance = remaining / left
    need = wanted_events * cost_per_event
    if need <= allowance and need <= remaining:
        return SnapshotBudget("full", wanted_events, allowance, left, "within the fair share")
    affordable = min(wanted_events, math.floor(min(allowance, remaining) / cost_per_event))
    share = (
        f"{remaining} requests left for {left} snapshots ({allowance:.0f} each); "
        f"{wanted_events} events cost {need}"
    )
    if affordable < 1:
        return SnapshotBudget("skipped", 0, allowance, left, f"skipped: {share}")
    return SnapshotBudget(
        "thinned", affordable, allowance, left, f"thinned to {affordable} events: {share}"
    )
