"""`statmusepicks keys create|list|revoke|ensure-local`: API keys."""

from __future__ import annotations

import typer
from rich.table import Table

from statmusepicks.cli.common import console, open_container
from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.services.keys import create_key, ensure_local_key, list_keys, revoke_key

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@app.command("create")
def create(name: str = typer.Argument(..., help="Who the key is for.")) -> None:
    """Create a key and print it once (only its hash is stored)."""
    with open_container() as container:
        created = create_key(container, name)
    console.print(f"key id {created.key_id} ({created.name}): store it now, it is not kept:")
    typer.echo(created.key)


@app.command("list")
def list_command() -> None:
    """Every key's id, name, prefix and state."""
    with open_container() as container:
        rows = list_keys(container)
    table = Table("id", "name", "prefix", "created", "revoked")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["name"],
            row["prefix"],
            str(row["created_at"] or ""),
            str(row["revoked_at"] or ""),
        )
    console.print(table)


@app.command("revoke")
def revoke(key_id: int = typer.Argument(..., help="The key's id (see `keys list`).")) -> None:
    """Revoke a key: it gets 403 from then on."""
    with open_container() as container:
        try:
            revoke_key(container, key_id)
        except StatMusePicksError as exc:
            console.print(f"[red]error:[/red] {exc.message}")
            raise typer.Exit(code=2) from exc
    console.print(f"key {key_id} revoked")


@app.command("ensure-local")
def ensure_local() -> None:
    """Create the local development key once and print it (same key on every run)."""
    with open_container() as container:
        key, created = ensure_local_key(container)
    state = "created" if created else "existing"
    console.print(f"local API key ({state}); send it as 'X-API-Key' or 'Authorization: Bearer':")
    typer.echo(key)
