"""The priced player's own injury status: OUT is refused, an uncertain status is flagged."""

from __future__ import annotations

import datetime as dt

import pytest

from statmusepicks.core.errors import PlayerOutError
from statmusepicks.data.repositories.availability import ReportedStatus
from statmusepicks.services.pricing import refuse_if_out, with_status

AT = dt.datetime(2025, 11, 12, 18, 0, tzinfo=dt.UTC)


def _status(status: str) -> ReportedStatus:
    return ReportedStatus(203999, status, AT, "nba_injury_report")


@pytest.mark.parametrize(
    ("label", "lowered"), [("high", "medium"), ("medium", "low"), ("low", "low")]
)
@pytest.mark.parametrize("status", ["questionable", "doubtful", "day-to-day"])
def test_an_uncertain_player_is_flagged_one_confidence_step_lower(
    label: str, lowered: str, status: str
) -> None:
    answer = with_status({"confidence_label": label, "edge": 0.1}, _status(status))
    assert answer["confidence_label"] == lowered != "high"
    assert answer["status_flag"] == status.upper()
    assert answer["player_status"] == {
        "status": status.upper(),
        "reported_at": "2025-11-12T18:00:00+00:00",
        "source": "nba_injury_report",
    }
    assert answer["edge"] == 0.1


@pytest.mark.parametrize("status", [None, "probable", "available"])
def test_a_player_expected_to_play_keeps_his_confidence(status: str | None) -> None:
    reported = None if status is None else _status(status)
    answer = with_status({"confidence_label": "high"}, reported)
    assert (answer["confidence_label"], answer["status_flag"]) == ("high", None)
    assert (answer["player_status"] is None) == (status is None)


def test_an_out_player_is_refused_with_a_409_player_out() -> None:
    with pytest.raises(PlayerOutError) as raised:
        refuse_if_out("Nikola Jokic", _status("out"))
    error = raised.value
    assert (error.status_code, error.code) == (409, "player_out")
    assert error.details["player_status"]["status"] == "OUT"
    refuse_if_out("Nikola Jokic", _status("doubtful"))
    refuse_if_out("Nikola Jokic", None)
