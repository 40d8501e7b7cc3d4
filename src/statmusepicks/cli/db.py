"""`statmusepicks db ...`: schema migrations."""

from __future__ import annotations

import typer

from statmusepicks.cli.common import console, open_engine
from statmusepicks.data.db.migrate import current_revision, downgrade, head_revision, upgrade

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database to the newest schema."""
    with open_engine() as engine:
        upgrade(engine, revision)
        console.print(f"database at revision {current_revision(engine)}")


@app.command("downgrade")
def downgrade_command(revision: str = typer.Argument(..., help="Target revision.")) -> None:
    """Step the schema back."""
    with open_engine() as engine:
        downgrade(engine, revision)
        console.print(f"database at revision {current_revision(engine)}")


@app.command("current")
def current_command() -> None:
    """Print the current and the newest revision."""
    with open_engine() as engine:
        console.print(f"current {current_revision(engine)}, head {head_revision(engine)}")
