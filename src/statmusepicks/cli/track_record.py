"""`statmusepicks track-record`: check the predictions' hash chain, export it, check an export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer

from statmusepicks.cli.clock import AS_OF_HELP, parse_as_of
from statmusepicks.cli.common import console, open_container
from statmusepicks.core.hash_chain import ChainBreak, ChainHead, verify_entries
from statmusepicks.core.settings import get_settings
from statmusepicks.services.track_record_chain import export, verify

app = typer.Typer(help="The verifiable record: check the hash chain, export it.")


def _published(head_file: Path | None) -> ChainHead | None:
    if head_file is None:
        return None
    published = json.loads(head_file.read_text())
    return ChainHead(int(published["seq"]), str(published["hash"]))


@app.command("verify")
def verify_command(
    head: Path | None = typer.Option(
        None, help="A head published earlier (an export's .head.json) the chain must pass."
    ),
) -> None:
    """Check the stored chain; exit 1 naming the first entry that was edited or removed."""
    with open_container() as container:
        outcome = verify(container, _published(head))
    if outcome.first_break is not None:
        console.print(f"[red]BROKEN[/red] at {outcome.first_break.describe()}")
        raise typer.Exit(1)
    console.print(f"OK: {outcome.head.seq} entries, head {outcome.head.hash}")


@app.command("export")
def export_command(
    output: Path = typer.Option(..., help="Directory for record-<day>.csv and its head."),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
) -> None:
    """Write the chain as CSV plus its head, for a third party to check offline."""
    moment = parse_as_of(as_of, get_settings())
    with open_container() as container:
        records, head = export(container, output, moment)
    console.print(f"{records}: {head.seq} entries, head {head.hash}")


@app.command("verify-file")
def verify_file(
    records: Path = typer.Argument(..., exists=True, help="An exported record-<day>.csv."),
    head: Path | None = typer.Argument(None, help="Its .head.json (or one published later)."),
) -> None:
    """Check an exported file alone (no database); exit 1 naming the first bad entry."""
    with records.open(newline="", encoding="utf-8") as file:
        outcome = verify_entries(csv.DictReader(file), _published(head))
    if isinstance(outcome, ChainBreak):
        console.print(f"[red]BROKEN[/red] at {outcome.describe()}")
        raise typer.Exit(1)
    console.print(f"OK: {outcome.seq} entries, head {outcome.hash}")
