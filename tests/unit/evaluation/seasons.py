"""Hand-built seasons for backtest tests: lines, box scores and pricers whose answers are known."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DAY = dt.date(2025, 11, 3)


def quote(
    day: dt.date,
    player_id: int,
    book: str,
    line: float,
    over: int,
    under: int,
    actual: float | None,
    *,
    market: str = "points",
    main: bool = True,
    captured: str | None = None,
    tip: str = "23:00",
) -> dict[str, object]:
    """One line snapshot in the bundled prop_lines layout."""
    commence = pd.Timestamp(f"{day} {tip}", tz="UTC")
    return {
        "season": "2025-26",
        "game_date": day,
        "commence_time": commence,
        "captured_at": pd.Timestamp(f"{day} {captured}", tz="UTC")
        if captured
        else commence - pd.Timedelta(hours=6),
        "player_id": player_id,
        "player_name": f"Player {player_id}",
        "market": market,
        "bookmaker": book,
        "line": line,
        "over_price": over,
        "under_price": under,
        "is_main_line": main,
        "actual": actual,
        "source": "odds_api_daily_snapshot",
    }


def box_scores(days: list[dt.date], players: list[int], points: float = 20.0) -> pd.DataFrame:
    """A box score per player per day (only the columns pricers read)."""
    rows = [
        {
            "game_date": day,
            "season": "2025-26",
            "player_id": player,
            "pts": points,
            "reb": 5,
            "ast": 4,
            "fg3m": 2,
            "stl": 1,
            "blk": 1,
            "tov": 2,
        }
        for day in days
        for player in players
    ]
    return pd.DataFrame(rows)


def coin_season(props: int, days: int, seed: int) -> pd.DataFrame:
    """Fair 50/50 props at -110 / -110 on two books: a coin should lose about the margin."""
    rng = np.random.default_rng(seed)
    rows = []
    per_day = props // days
    for offset in range(days):
        day = DAY + dt.timedelta(days=offset)
        for player in range(1, per_day + 1):
            actual = float(rng.integers(0, 2) * 2 + 19)  # 19 or 21 against a 20.5 line
            for book in ("fanduel", "draftkings"):
                rows.append(quote(day, player, book, 20.5, -110, -110, actual))
    return pd.DataFrame(rows)


@dataclass
class FixedPricer:
    """Prices with a function of each prop; records what it was shown."""

    rule: object
    name: str = "fixed"
    fits: list[dt.date] = field(default_factory=list)
    seen_columns: set[str] = field(default_factory=set)
    latest_history: list[tuple[dt.date, object]] = field(default_factory=list)

    def fit(self, as_of: dt.date, history: pd.DataFrame) -> FixedPricer:
        self.fits.append(as_of)
        return self

    def price(self, props: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
        self.seen_columns.update(props.columns)
        day = props["game_date"].iloc[0]
        self.latest_history.append((day, history["game_date"].max() if len(history) else None))
        p_over = np.array([self.rule(row) for row in props.itertuples()], dtype=float)  # type: ignore[operator]
        return pd.DataFrame(
            {"p_over": p_over, "p_under": 1.0 - p_over, "p_push": 0.0}, index=props.index
        )


def oracle(outcomes: dict[tuple[object, int], float]) -> FixedPricer:
    """Knows every result in advance (from the test, never from the engine)."""

    def rule(row: object) -> float:
        actual = outcomes.get((row.game_date, row.player_id))  # type: ignore[attr-defined]
        if actual is None or np.isnan(actual) or actual == row.line:  # type: ignore[attr-defined]
            return 0.5  # a push or a void: nothing to win, so no edge to bet
        return 1.0 if actual > row.line else 0.0  # type: ignore[attr-defined]

    return FixedPricer(rule, name="oracle")
