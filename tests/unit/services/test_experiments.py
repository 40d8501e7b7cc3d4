"""A/B arm assignment: stable per (key, player, stat, date) and near the configured share."""

from __future__ import annotations

import datetime as dt

import pytest

from statmusepicks.core.errors import ValidationError
from statmusepicks.services.experiments import (
    CHALLENGER_ARM,
    CHAMPION_ARM,
    assign_arm,
    parse_label,
)

DAY = dt.date(2025, 11, 12)


def test_a_user_sees_one_arm_per_prop() -> None:
    first = assign_arm(7, 203999, "points", DAY, 0.5)
    assert all(assign_arm(7, 203999, "points", DAY, 0.5) == first for _ in range(20))


@pytest.mark.parametrize("share", [0.1, 0.5, 0.8])
def test_ten_thousand_keys_split_near_the_share(share: float) -> None:
    arms = [assign_arm(key, 203999, "points", DAY, share) for key in range(10_000)]
    assert abs(arms.count(CHALLENGER_ARM) / len(arms) - share) <= 0.02


def test_props_split_near_the_share_for_one_user() -> None:
    arms = [
        assign_arm(3, player, "rebounds", DAY + dt.timedelta(days=player % 30), 0.3)
        for player in range(10_000)
    ]
    assert abs(arms.count(CHALLENGER_ARM) / len(arms) - 0.3) <= 0.02


def test_every_part_of_the_key_moves_the_coin() -> None:
    base = [assign_arm(key, 1, "points", DAY, 0.5) for key in range(200)]
    for changed in (
        [assign_arm(key, 2, "points", DAY, 0.5) for key in range(200)],
        [assign_arm(key, 1, "assists", DAY, 0.5) for key in range(200)],
        [assign_arm(key, 1, "points", DAY + dt.timedelta(days=1), 0.5) for key in range(200)],
    ):
        assert changed != base


def test_a_larger_share_only_moves_users_to_the_challenger() -> None:
    small = [assign_arm(key, 1, "points", DAY, 0.2) for key in range(2000)]
    large = [assign_arm(key, 1, "points", DAY, 0.6) for key in range(2000)]
    assert all(
        b == CHALLENGER_ARM for a, b in zip(small, large, strict=True) if a == CHALLENGER_ARM
    )
    assert CHAMPION_ARM in large


def test_labels_name_a_version() -> None:
    assert parse_label("smp-points-player:3") == ("smp-points-player", "3")
    with pytest.raises(ValidationError):
        parse_label("smp-points-player")
