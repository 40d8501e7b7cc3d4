"""Reads and writes of `market_fits`: the stored refits of calibration and the market stack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from statmusepicks.data.db.models_market import MarketFit


def newest_market_fits(
    session: Session, *, fitted_before: dt.datetime | None = None
) -> list[MarketFit]:
    """Each stat's newest fit (of those fitted before `fitted_before`, when given)."""
    latest = select(MarketFit.stat, func.max(MarketFit.fitted_at).label("fitted_at"))
    if fitted_before is not None:
        latest = latest.where(MarketFit.fitted_at < fitted_before)
    newest = latest.group_by(MarketFit.stat).subquery()
    statement = select(MarketFit).join(
        newest, (MarketFit.stat == newest.c.stat) & (MarketFit.fitted_at == newest.c.fitted_at)
    )
    return list(session.scalars(statement.order_by(MarketFit.stat)))


def latest_market_fit_id(session: Session) -> int | None:
    """The id of the newest stored fit (changes whenever a refit stores weights)."""
    return session.scalar(select(func.max(MarketFit.id)))


def replace_market_fits(
    session: Session, fitted_at: dt.datetime, fits: Sequence[MarketFit]
) -> None:
    """Store one refit's rows, replacing any stored earlier for the same moment (a rerun)."""
    session.execute(delete(MarketFit).where(MarketFit.fitted_at == fitted_at))
    session.add_all(fits)
