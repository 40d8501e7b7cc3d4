"""Text signals read by rules, and their features: only signals seen before the game's day."""

from __future__ import annotations

import pandas as pd
import pytest

from statmusepicks.data.ingest.text_signals import Reading, read_signals
from statmusepicks.features.text_signals import SIGNAL_FEATURES, signal_features


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Out for the rest of the season (ACL)", [Reading("availability", 0.0)]),
        ("Questionable - ankle", [Reading("availability", 0.5)]),
        ("Doubtful with back spasms", [Reading("availability", 0.25)]),
        ("Probable (illness)", [Reading("availability", 0.75)]),
        ("Resting on the second night of a back-to-back", [Reading("availability", 0.0)]),
        ("Available; will play", [Reading("availability", 1.0)]),
        (
            "Questionable; on a 20-minute restriction if he plays",
            [Reading("availability", 0.5), Reading("minutes_restriction", 20.0)],
        ),
        (
            "Cleared, but on a minutes restriction",
            [Reading("availability", 1.0), Reading("minutes_restriction", 0.0)],
        ),
        ("Moved out of the starting lineup", [Reading("role_change", -1.0)]),
        ("Will start at center tonight", [Reading("role_change", 1.0)]),
        ("Listed on the report with a sore wrist", []),
    ],
)
def test_rules_read_each_kind_once(text: str, expected: list[Reading]) -> None:
    assert read_signals(text) == expected


def _signals(*rows: tuple[int, str, float, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["player_id", "kind", "value", "observed_at"])
    return frame.assign(observed_at=pd.to_datetime(frame["observed_at"], utc=True))


TARGETS = pd.DataFrame(
    {
        "player_id": [7, 7, 8, 7],
        "game_date": ["2025-11-03", "2025-11-05", "2025-11-05", "2025-12-30"],
    }
)
SIGNALS = _signals(
    (7, "availability", 0.5, "2025-11-02T18:00Z"),
    (7, "minutes_restriction", 20.0, "2025-11-03T00:00Z"),
)


def test_a_signal_counts_from_the_day_after_it_was_seen_and_for_two_weeks() -> None:
    features = signal_features(TARGETS, SIGNALS)
    assert list(features.columns) == list(SIGNAL_FEATURES)
    assert features["f_sig_availability"].tolist()[:2] == [0.5, 0.5]
    # Seen at 00:00 of the game day: too late for that game, in time for the next.
    assert features["f_sig_minutes_restricted"].tolist()[:2] == [0.0, 1.0]
    assert features["f_sig_minutes_cap"].iloc[1] == 20.0
    assert features["f_sig_age_days"].iloc[1] == 2.0
    assert features.iloc[2].drop("f_sig_minutes_restricted").isna().all()  # another player
    assert features.iloc[3].drop("f_sig_minutes_restricted").isna().all()  # stale by December


def test_a_planted_future_signal_moves_no_earlier_feature() -> None:
    before = signal_features(TARGETS, SIGNALS)
    future = _signals(
        (7, "availability", 0.0, "2025-11-05T00:00Z"),  # the morning of the second game
        (7, "role_change", -1.0, "2025-11-04T12:00Z"),
    )
    after = signal_features(TARGETS, pd.concat([SIGNALS, future], ignore_index=True))
    pd.testing.assert_frame_equal(after.iloc[:1], before.iloc[:1])
    assert after["f_sig_availability"].iloc[1] == before["f_sig_availability"].iloc[1]
    # The signal seen on the 4th does reach the game of the 5th, so the check above can fail.
    assert after["f_sig_role_change"].iloc[1] == -1.0
