"""Helpers every CLI command shares: settings, container, date options, progress, console."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from statmusepicks.core.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from statmusepicks.services.container import Container

console = Console()


@contextmanager
def open_container() -> Iterator[Container]:
    """A container for one command, closed afterwards."""
    from statmusepicks.services.container import build_container

    container = build_container(get_settings())
    try:
        yield container
    finally:
        container.close()


@contextmanager
def open_engine() -> Iterator[Engine]:
    """The configured database alone, for commands that need neither the cache nor a service
    (schema migrations): they then start without importing Redis and the services."""
    from statmusepicks.data.db.session import make_engine

    engine = make_engine(get_settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()


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
