"""Features from text signals, each usable only from the time it was observed.

A signal counts for a game when it was observed strictly before the game's day (00:00 UTC of
the game date): a report issued on the game day itself reaches the next game only, because
neither injury feeds nor news carry a reliable time against tip-off. The newest reading of each
kind within SIGNAL_WINDOW_DAYS counts; older ones have usually been overtaken by games played.

These columns are not in `registry.FEATURES`: the bundled history holds no text, so every row
would be NaN and the champions would be retrained for nothing. `evaluation.text_signals` decides
from out-of-time Brier scores whether they earn a place there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.data.ingest.text_signals import SIGNAL_KINDS

SIGNAL_WINDOW_DAYS = 14
SIGNAL_FEATURES = (
    "f_sig_availability",
    "f_sig_minutes_restricted",
    "f_sig_minutes_cap",
    "f_sig_role_change",
    "f_sig_age_days",
)


def game_day_start(game_date: pd.Series) -> pd.Series:
    """00:00 UTC of each game date: the moment a signal must precede."""
    return pd.to_datetime(game_date).dt.tz_localize(None).dt.normalize().dt.tz_localize("UTC")


def _latest(targets: pd.DataFrame, signals: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Per target row: the newest signal of `kind` observed before the game's day, or NaN."""
    chosen = signals.loc[signals["kind"] == kind, ["player_id", "observed_at", "value"]]
    chosen = chosen.sort_values("observed_at", kind="mergesort")
    left = targets.sort_values("cutoff", kind="mergesort")
    merged = pd.merge_asof(
        left,
        chosen.rename(columns={"observed_at": "seen"}),
        left_on="cutoff",
        right_on="seen",
        by="player_id",
        allow_exact_matches=False,  # observed exactly at 00:00 of the game day is too late
        tolerance=pd.Timedelta(days=SIGNAL_WINDOW_DAYS),
        direction="backward",
    )
    return merged.set_index("row")[["value", "seen"]].sort_index()


def signal_features(targets: pd.DataFrame, signals: pd.DataFrame) -> pd.DataFrame:
    """One row per target (`player_id`, `game_date`), same order: the text-signal features.

    `signals` has `player_id, kind, value, observed_at` (tz-aware); rows observed on or after a
    target's game day never reach it.
    """
    frame = pd.DataFrame(
        {
            "row": np.arange(len(targets)),
            "player_id": targets["player_id"].to_numpy(np.int64),
            "cutoff": game_day_start(targets["game_date"].reset_index(drop=True)).to_numpy(),
        }
    )
    frame["cutoff"] = pd.to_datetime(frame["cutoff"], utc=True)
    usable = signals.dropna(subset=["player_id"]).astype({"player_id": np.int64})
    usable = usable.assign(observed_at=pd.to_datetime(usable["observed_at"], utc=True))
    latest = {kind: _latest(frame, usable, kind) for kind in SIGNAL_KINDS}
    cap = latest["minutes_restriction"]["value"]
    seen = pd.concat([latest[kind]["seen"] for kind in SIGNAL_KINDS], axis=1).max(axis=1)
    age = (frame.set_index("row")["cutoff"] - seen).dt.total_seconds() / 86_400
    return pd.DataFrame(
        {
            "f_sig_availability": latest["availability"]["value"].to_numpy(float),
            "f_sig_minutes_restricted": cap.notna().astype(float).to_numpy(),
            "f_sig_minutes_cap": cap.where(cap > 0).to_numpy(float),
            "f_sig_role_change": latest["role_change"]["value"].to_numpy(float),
            "f_sig_age_days": age.to_numpy(float),
        }
    )
