"""The league's official injury report as an injury provider.

NBA.com publishes the report as a PDF at a URL stamped with its New York time
(`Injury-Report_2025-12-22_09_00AM.pdf`), every 15 minutes on game days. Reading the PDF
needs Java (tabula, as the `nbainjuries` package does), so this provider reads the report's
records as JSON, the shape `nbainjuries` emits and mirrors of the report serve:

    [{"Game Date": "04/25/2025", "Game Time": "07:00 (ET)", "Matchup": "BOS@ORL",
      "Team": "Boston Celtics", "Player Name": "Brown, Jaylen",
      "Current Status": "Questionable", "Reason": "Injury/Illness - Right Knee; ..."}, ...]

from INJURY_REPORT_URL, a template whose `{stamp}` is the report's stamp. The provider asks for
the newest stamp at or before the as-of and walks back one publication slot at a time (a slot
with no report answers 404), so it never reads a report published after the as-of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from statmusepicks.core.errors import UpstreamError, UpstreamNotFound
from statmusepicks.core.league_clock import LEAGUE_ZONE, as_utc
from statmusepicks.data.clients.payloads import PayloadRef
from statmusepicks.data.clients.teams import team_code
from statmusepicks.data.clients.upstream import UpstreamJSONClient

SOURCE = "nba_injury_report"
# The report is published every quarter hour (since December 2025; hourly before).
SLOT = dt.timedelta(minutes=15)
STAMP_FORMAT = "%Y-%m-%d_%I_%M%p"
RECORD_COLUMNS = (
    "Game Date", "Game Time", "Matchup", "Team", "Player Name", "Current Status", "Reason",
)  # fmt: skip
# A team that has not filed yet is listed with this reason and no player.
NOT_SUBMITTED = "not yet submitted"


def report_slot(moment: dt.datetime) -> dt.datetime:
    """The newest publication slot at or before a moment, in New York time."""
    local = as_utc(moment).astimezone(LEAGUE_ZONE)
    minutes = local.minute - local.minute % int(SLOT.total_seconds() // 60)
    return local.replace(minute=minutes, second=0, microsecond=0)


def report_stamp(slot: dt.datetime) -> str:
    """The stamp in the report's file name: '2025-12-22_09_00AM'."""
    return slot.astimezone(LEAGUE_ZONE).strftime(STAMP_FORMAT)


def player_name(listed: str) -> str:
    """'Jackson Jr., Jaren' -> 'Jaren Jackson Jr.' (the report lists 'Last, First')."""
    last, comma, first = str(listed).partition(",")
    return f"{first.strip()} {last.strip()}" if comma else str(listed).strip()


def parse_report(records: Any, reported_at: dt.datetime) -> pd.DataFrame:
    """The report's records as provider rows: player_name, team, status, note, reported_at.

    Teams that have not filed (no player) are skipped; an unknown team name keeps its text, so
    the row is matched by name alone.
    """
    if not isinstance(records, list):
        raise UpstreamError(f"injury report is a {type(records).__name__}, not a list of records")
    frame = pd.DataFrame([r for r in records if isinstance(r, dict)])
    missing = [c for c in RECORD_COLUMNS if c not in frame.columns]
    if frame.empty:
        frame = pd.DataFrame(columns=list(RECORD_COLUMNS))
    elif missing:
        raise UpstreamError(f"injury report records lack {missing}", details={"missing": missing})
    reason = frame["Reason"].astype("string").str.strip().str.lower()
    filed = frame["Player Name"].notna() & (reason != NOT_SUBMITTED).fillna(True)
    frame = frame[filed]
    teams = frame["Team"].astype(str)
    return pd.DataFrame(
        {
            "player_name": frame["Player Name"].map(player_name),
            "team": [team_code(name) or name for name in teams],
            "status": frame["Current Status"].astype("string").str.strip(),
            "note": frame["Reason"].astype("string"),
            "reported_at": pd.Timestamp(as_utc(reported_at)),
        }
    ).reset_index(drop=True)


@dataclass
class OfficialInjuryReport:
    """The newest official report at or before the as-of, from a stamped URL template."""

    http: UpstreamJSONClient
    url_template: str
    lookback: dt.timedelta = dt.timedelta(hours=3)
    name: str = SOURCE
    payload_ref: PayloadRef | None = None

    def fetch(self, as_of: dt.datetime | None) -> pd.DataFrame:
        """The newest report's rows; an empty frame when none was published in `lookback`."""
        if as_of is None:
            raise ValueError("the official report is read as of a moment")
        slot = report_slot(as_of)
        oldest = slot - self.lookback
        while slot > oldest:
            try:
                response = self.http.get_json(
                    self.url_template.format(stamp=report_stamp(slot)), label="injury_report"
                )
            except UpstreamNotFound:
                slot -= SLOT
                continue
            self.payload_ref = response.ref
            return parse_report(response.payload, slot)
        return pd.DataFrame(columns=["player_name", "team", "status", "note", "reported_at"])
