"""The payout tables: every file validates, and the reversion rules settle as the apps say."""

from __future__ import annotations

import datetime as dt

import pytest

from statmusepicks.core.errors import ValidationError
from statmusepicks.data.payouts import PayoutApp, payout_apps, payout_version

DAY = dt.date(2025, 11, 14)


def test_every_app_has_a_sourced_table_in_force() -> None:
    apps = payout_apps()
    assert set(apps) >= {"prizepicks", "underdog"}
    for app in apps.values():
        version = app.in_force(DAY)
        assert version.source.startswith(app.label.split()[0])
        assert "http" in version.source


def test_prizepicks_tables_and_reversions() -> None:
    version = payout_version("prizepicks", "power", 6, DAY)
    assert version.sizes("power") == [2, 3, 4, 5, 6]
    assert version.sizes("flex") == [3, 4, 5, 6]
    power = version.settlement_grid("power", 2)
    assert power[2, 2] == 3.0
    assert power[2, 1] == 0.0
    # A tie in a 2-pick Power Play: the other pick decides, 1.5x or a loss.
    assert power[1, 1] == 1.5
    assert power[1, 0] == 0.0
    assert power[0, 0] == 1.0
    flex = version.settlement_grid("flex", 3)
    assert list(flex[3]) == [0.0, 0.0, 1.25, 2.25]
    # A 3-pick Flex reverted by a tie is a 2-pick Power Play.
    assert list(flex[2, :3]) == [0.0, 0.0, 3.0]
    assert version.settlement_grid("flex", 6)[6, 4] == 0.4


def test_underdog_refunds_an_entry_left_with_one_pick() -> None:
    version = payout_version("underdog", "flex", 4, DAY)
    grid = version.settlement_grid("power", 2)
    assert grid[2, 2] == 3.0
    assert list(grid[1, :2]) == [1.0, 1.0]
    insured = version.settlement_grid("flex", 3)
    assert list(insured[3]) == [0.0, 0.0, 1.0, 3.0]
    assert insured[2, 2] == 3.0


@pytest.mark.parametrize(
    ("app", "play", "legs", "day"),
    [
        ("draftkings", "power", 3, DAY),
        ("prizepicks", "flex", 2, DAY),
        ("underdog", "power", 6, DAY),
        ("prizepicks", "power", 3, dt.date(2020, 1, 1)),
    ],
)
def test_what_no_table_covers_is_a_422(app: str, play: str, legs: int, day: dt.date) -> None:
    with pytest.raises(ValidationError):
        payout_version(app, play, legs, day)  # type: ignore[arg-type]


def test_a_newer_version_takes_over_on_its_date() -> None:
    base = payout_apps()["prizepicks"].model_dump()
    newer = {**base["versions"][0], "version": "next", "effective_from": dt.date(2026, 1, 1)}
    app = PayoutApp.model_validate({**base, "versions": [base["versions"][0], newer]})
    assert app.in_force(DAY).version == base["versions"][0]["version"]
    assert app.in_force(dt.date(2026, 2, 1)).version == "next"
    with pytest.raises(ValueError, match="oldest first"):
        PayoutApp.model_validate({**base, "versions": [newer, base["versions"][0]]})


def test_a_payout_for_more_wins_than_legs_is_refused() -> None:
    base = payout_apps()["prizepicks"].model_dump()
    version = base["versions"][0]
    broken = {**version, "plays": {"power": {"label": "x", "payouts": {2: {3: 3.0}}}}}
    with pytest.raises(ValueError, match="3 of 2"):
        PayoutApp.model_validate({**base, "versions": [broken]})
