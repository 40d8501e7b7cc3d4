"""Use case: load the bundled dataset (once, or again idempotently)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from statmusepicks.data.db.models import PlayerGameStats
from statmusepicks.data.ingest.bundled import LoadReport, load_bundled
from statmusepicks.services.container import Container


def has_data(container: Container) -> bool:
    """True once any box score is loaded."""
    with container.sessions() as session:
        return bool(session.scalar(select(func.count()).select_from(PlayerGameStats)))


def load_bundled_data(
    container: Container, progress: Callable[[str], None] | None = None
) -> LoadReport:
    """Validate and upsert every bundled file, then drop cached answers built on old data."""
    report = load_bundled(container.engine, container.settings.bundled_data_dir, progress)
    if any(table.inserted or table.updated for table in report.tables):
        container.cache.delete_prefix("")
    return report
