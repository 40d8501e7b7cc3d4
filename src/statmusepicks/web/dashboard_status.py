"""The status page's data: latest game and line, the last sync runs, quarantine, models in use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from statmusepicks.data.db.models import (
    IngestionRun,
    ModelRecord,
    Player,
    PlayerGameStats,
    PropLine,
    QuarantinedRow,
)
from statmusepicks.services.container import Container

RECENT_RUNS = 10


def data_status(container: Container, runs: int = RECENT_RUNS) -> dict[str, Any]:
    """Latest game and line, the last sync runs, quarantined rows by reason, models in use."""
    with container.sessions() as session:
        latest_game = session.scalar(select(func.max(PlayerGameStats.game_date)))
        games = session.scalar(
            select(func.count())
            .select_from(PlayerGameStats)
            .where(PlayerGameStats.game_date == latest_game)
        )
        recent_runs = session.scalars(
            select(IngestionRun).order_by(IngestionRun.id.desc()).limit(runs)
        ).all()
        quarantine = session.execute(
            select(QuarantinedRow.table_name, QuarantinedRow.reason, func.count())
            .group_by(QuarantinedRow.table_name, QuarantinedRow.reason)
            .order_by(func.count().desc())
        ).all()
        models = session.scalars(
            select(ModelRecord)
            .where(ModelRecord.alias.is_not(None))
            .order_by(ModelRecord.stat, ModelRecord.scope, ModelRecord.alias)
        ).all()
        return {
            "latest_game_date": latest_game,
            "box_scores_on_latest_date": int(games or 0),
            "latest_line_date": session.scalar(select(func.max(PropLine.game_date))),
            "players": int(session.scalar(select(func.count()).select_from(Player)) or 0),
            "runs": [
                {
                    "id": run.id,
                    "kind": run.kind,
                    "status": run.status,
                    "started_at": run.started_at,
                    "finished_at": run.finished_at,
                    "rows_in": run.rows_in,
                    "rows_inserted": run.rows_inserted,
                    "rows_updated": run.rows_updated,
                    "rows_quarantined": run.rows_quarantined,
                    "errors": len(run.errors or []),
                }
                for run in recent_runs
            ],
            "quarantine": [
                {"table": table, "reason": reason, "rows": int(count)}
                for table, reason, count in quarantine
            ],
            "models": [
                {
                    "name": model.name,
                    "stat": model.stat,
                    "scope": model.scope,
                    "version": model.version,
                    "alias": model.alias,
                    "created_at": model.created_at,
                }
                for model in models
            ],
        }
