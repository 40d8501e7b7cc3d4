"""The props board's data: the dates and books with lines, the filters, the ordered priced props."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import SEASON_AVERAGE_SCOPE, resolve_stat
from statmusepicks.data.db.models import PropLine
from statmusepicks.services import board as board_service
from statmusepicks.services.container import Container

# The predictor's last resort, a distribution around the season average (models/predictor.py).

# Board orderings the page offers; each sorts the board service's props.
BOARD_SORT_KEYS: dict[str, tuple[Any, bool]] = {
    "ev": (lambda row: row["expected_value"], True),
    "edge": (lambda row: row["edge"], True),
    "p_over": (lambda row: row["over_probability"], True),
    "player": (lambda row: (row["player"], row["stat"], row["line"]), False),
    "line": (lambda row: row["line"], True),
}


def line_dates(container: Container, limit: int = 60) -> list[dt.date]:
    """The most recent dates with stored prop lines, newest first."""
    with container.sessions() as session:
        return list(
            session.scalars(
                select(PropLine.game_date)
                .group_by(PropLine.game_date)
                .order_by(PropLine.game_date.desc())
                .limit(limit)
            )
        )


def books_on(container: Container, day: dt.date | None) -> list[str]:
    """Bookmakers with stored lines on a date (the board's book filter)."""
    if day is None:
        return []
    with container.sessions() as session:
        return list(
            session.scalars(
                select(PropLine.bookmaker)
                .where(PropLine.game_date == day)
                .group_by(PropLine.bookmaker)
                .order_by(PropLine.bookmaker)
            )
        )


@dataclass(frozen=True)
class BoardFilters:
    """The board's query: a date (default: the latest with lines), stat, book, minimum edge,
    order, and whether the alternate rungs of the books' ladders are listed too."""

    date: dt.date | None = None
    stat: str | None = None
    book: str | None = None
    min_edge: float | None = None
    sort: str = "ev"
    main_only: bool = True

    @classmethod
    def parse(
        cls,
        date: str | None,
        stat: str | None,
        book: str | None,
        min_edge: str | None,
        sort: str | None,
        lines: str | None = None,
    ) -> BoardFilters:
        """Filters from form fields; blanks mean "any", a bad value raises ValidationError."""
        try:
            day = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise ValidationError(f"The date must look like 2025-11-14, got {date!r}.") from exc
        try:
            edge = float(min_edge) / 100 if min_edge not in (None, "") else None
        except ValueError as exc:
            raise ValidationError(f"The minimum edge must be a number, got {min_edge!r}.") from exc
        if edge is not None and not 0 <= edge <= 1:
            raise ValidationError("The minimum edge must be between 0 and 100 %.")
        return cls(
            date=day,
            stat=resolve_stat(stat).key if stat else None,
            book=book or None,
            min_edge=edge,
            sort=sort if sort in BOARD_SORT_KEYS else "ev",
            main_only=lines != "all",
        )

    def on(self, day: dt.date) -> BoardFilters:
        """The same filters on another date."""
        return replace(self, date=day)

    @property
    def min_edge_pct(self) -> float | None:
        """The minimum edge as the percentage the form shows."""
        return None if self.min_edge is None else round(self.min_edge * 100, 2)


def board_view(container: Container, filters: BoardFilters) -> dict[str, Any]:
    """The board service's priced props for the filters, in the chosen order.

    Adds how many props were priced from the season-average fallback, which the page flags.
    """
    if filters.date is None:
        return {"date": None, "props": [], "unpriced": 0, "fallback": 0}
    priced = board_service.board(
        container,
        board_service.BoardQuery(filters.date, filters.stat, filters.book, filters.min_edge),
    )
    key, descending = BOARD_SORT_KEYS[filters.sort]
    listed = [p for p in priced["props"] if p.get("main_line", True) or not filters.main_only]
    props = sorted(listed, key=key, reverse=descending)
    fallback = sum(p.get("model_scope") == SEASON_AVERAGE_SCOPE for p in props)
    return {**priced, "props": props, "fallback": fallback}
