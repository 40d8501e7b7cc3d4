"""Helpers every CLI command shares: settings, container, date options, progress, console."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from statmusepicks.core.settings import get_settings
from statmusepicks.services.container import Container, build_container

console = Console()


@contextmanager
def open_container() -> Iterator[Container]:
    """A container for one command, closed afterwards."""
    container = build_container(get_settings())
    try:
        yield container
    finally:
        container.close()


def parse_date(value: str) -> dt.date:
    """A YYYY-MM-DD option, or a usage error that names the bad value."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def progress_bar() -> Progress:
    """The progress bar style used for long work."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    )
