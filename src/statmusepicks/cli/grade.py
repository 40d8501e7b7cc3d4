"""`statmusepicks grade`: settle served predictions whose box scores have arrived."""

from __future__ import annotations

from statmusepicks.cli.common import console, open_container
from statmusepicks.services.grading import grade as grade_predictions


def grade() -> None:
    """Fill the grade columns of every prediction whose game is in the box scores."""
    with open_container() as container:
        report = grade_predictions(container)
    console.print(
        f"graded {report.graded}, void (did not play) {report.void}, pending {report.pending}"
    )
