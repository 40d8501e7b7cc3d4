"""`statmusepicks grade`: settle served predictions whose box scores have arrived."""

from __future__ import annotations

import typer

from statmusepicks.cli.clock import AS_OF_HELP, parse_as_of
from statmusepicks.cli.common import console, open_container
from statmusepicks.core.settings import get_settings
from statmusepicks.services.grading import grade as grade_predictions


def grade(as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP)) -> None:
    """Append the grade of every prediction whose game (before --as-of) is in the box scores
    to the hash-chained record."""
    moment = parse_as_of(as_of, get_settings())
    with open_container() as container:
        report = grade_predictions(container, now=moment)
    console.print(
        f"graded {report.graded}, void (did not play) {report.void}, pending {report.pending}"
    )
