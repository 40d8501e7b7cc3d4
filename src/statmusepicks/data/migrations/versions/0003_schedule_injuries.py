"""schedule status and tip-off on games; timed injury reports

`games` gains the schedule's `status` (scheduled, in_progress, final, postponed) and the UTC
`tipoff_at`, so the next game and the board's games are known before tip-off. Games already
stored with points are final.

`injuries` gains `reported_at`, the time of the report a row comes from: the official report is
published several times a day and only the latest one as of a moment counts, so one player can
have several rows a day. The natural key becomes (player_id, reported_at, source). Rows stored
before carry only a date; they are stamped at the start of that day in New York (the league's
clock), which is when a report dated that day can first have been read.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LEAGUE_ZONE = ZoneInfo("America/New_York")


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), LEAGUE_ZONE).astimezone(dt.UTC)


def upgrade() -> None:
    with op.batch_alter_table("games") as batch:
        batch.add_column(sa.Column("status", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("tipoff_at", sa.DateTime(timezone=True), nullable=True))
    games = sa.table("games", sa.column("status", sa.String), sa.column("home_pts", sa.Integer))
    op.execute(games.update().where(games.c.home_pts.is_not(None)).values(status="final"))

    with op.batch_alter_table("injuries") as batch:
        batch.add_column(sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))
    injuries = sa.table(
        "injuries",
        sa.column("id", sa.Integer),
        sa.column("report_date", sa.Date),
        sa.column("reported_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    stamps = [
        {"row_id": row_id, "stamp": _day_start(day)}
        for row_id, day in bind.execute(sa.select(injuries.c.id, injuries.c.report_date))
    ]
    if stamps:
        bind.execute(
            injuries.update()
            .where(injuries.c.id == sa.bindparam("row_id"))
            .values(reported_at=sa.bindparam("stamp")),
            stamps,
        )
    with op.batch_alter_table("injuries") as batch:
        batch.alter_column("reported_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.drop_constraint("uq_injuries_player_day", type_="unique")
        batch.create_unique_constraint(
            "uq_injuries_player_report", ["player_id", "reported_at", "source"]
        )
        batch.create_index("ix_injuries_reported_at", ["reported_at"])


def downgrade() -> None:
    # The old key holds one report a day: keep each day's latest, drop the earlier ones.
    injuries = sa.table(
        "injuries",
        sa.column("id", sa.Integer),
        sa.column("player_id", sa.BigInteger),
        sa.column("report_date", sa.Date),
        sa.column("source", sa.String),
        sa.column("reported_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            injuries.c.id, injuries.c.player_id, injuries.c.report_date, injuries.c.source
        ).order_by(injuries.c.reported_at, injuries.c.id)
    ).all()
    newest = {(player, day, source): row_id for row_id, player, day, source in rows}
    earlier = sorted({row_id for row_id, *_ in rows} - set(newest.values()))
    if earlier:
        bind.execute(injuries.delete().where(injuries.c.id.in_(earlier)))
    with op.batch_alter_table("injuries") as batch:
        batch.drop_index("ix_injuries_reported_at")
        batch.drop_constraint("uq_injuries_player_report", type_="unique")
        batch.drop_column("reported_at")
        batch.create_unique_constraint(
            "uq_injuries_player_day", ["player_id", "report_date", "source"]
        )
    with op.batch_alter_table("games") as batch:
        batch.drop_column("tipoff_at")
        batch.drop_column("status")
