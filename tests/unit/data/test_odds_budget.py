"""The quota budget of an odds snapshot: the fair share of what is left in the period."""

from __future__ import annotations

import datetime as dt

from statmusepicks.data.ingest.odds_budget import plan_snapshot, quota_period_end, snapshots_left

NY = "America/New_York"
SLOTS = ["10:00", "13:00", "16:00", "18:30"]


def test_the_period_ends_at_the_next_reset_day_in_local_time() -> None:
    as_of = dt.datetime(2025, 11, 14, 15, 0, tzinfo=dt.UTC)
    assert quota_period_end(as_of, timezone=NY, reset_day=1).isoformat() == (
        "2025-12-01T00:00:00-05:00"
    )
    december = dt.datetime(2025, 12, 20, 15, 0, tzinfo=dt.UTC)
    assert quota_period_end(december, timezone=NY, reset_day=15).date() == dt.date(2026, 1, 15)


def test_snapshots_left_count_the_rest_of_today_and_every_later_day() -> None:
    # 10:00 New York on the 29th: this one, 13:00, 16:00, 18:30 and the pre-tip one today,
    # then five a day on the 30th.
    as_of = dt.datetime(2025, 11, 29, 15, 0, tzinfo=dt.UTC)
    assert snapshots_left(as_of, slots=SLOTS, extra_per_day=1, timezone=NY, reset_day=1) == 10
    assert snapshots_left(as_of, slots=SLOTS, extra_per_day=0, timezone=NY, reset_day=1) == 8


def test_a_snapshot_within_its_share_prices_every_event() -> None:
    plan = plan_snapshot(10, 7, remaining=20_000, snapshots_to_come=100)
    assert (plan.mode, plan.events) == ("full", 10)


def test_a_snapshot_over_its_share_is_thinned_to_what_the_share_affords() -> None:
    plan = plan_snapshot(10, 7, remaining=3_000, snapshots_to_come=100)
    assert (plan.mode, plan.events, plan.allowance) == ("thinned", 4, 30.0)
    assert "thinned to 4 events" in plan.reason


def test_a_share_below_one_event_skips_the_snapshot() -> None:
    plan = plan_snapshot(10, 70, remaining=500, snapshots_to_come=85)
    assert (plan.mode, plan.events) == ("skipped", 0)
    assert plan.reason.startswith("skipped: 500 requests left for 85 snapshots")


def test_without_quota_headers_no_budget_applies() -> None:
    plan = plan_snapshot(10, 7, remaining=None, snapshots_to_come=100)
    assert (plan.mode, plan.events) == ("full", 10)
