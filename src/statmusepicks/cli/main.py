"""The `statmusepicks` command line.

Commands load lazily: the command modules pull in pandas, scikit-learn, MLflow and the services
behind them (about 3 s of imports on the 2-core reference machine), so importing all of them
for `--help` or `keys list` would cost more than the command itself. The table below names each
command's module and its one-line help; only the module of the command that runs is imported.
`tests/unit/cli/test_lazy_commands.py` checks each line against the command's own help.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import typer
from typer import _click as click  # the copy of click Typer builds its commands on
from typer.core import TyperCommand, TyperGroup


class LazyCommand(NamedTuple):
    """Where a command lives (`statmusepicks.cli.<module>`, attribute `attr`: a Typer group
    or a command function) and the help line `--help` lists without importing it."""

    module: str
    attr: str
    help: str


# In the order `--help` lists them: commands first, then groups.
COMMANDS: dict[str, LazyCommand] = {
    "serve": LazyCommand(
        "serve", "serve", "Serve the API, its docs at /docs, and the dashboard at /."
    ),
    "backtest": LazyCommand(
        "backtest",
        "backtest",
        "Price every stored prop day by day, bet by strategy, settle, and write the report.",
    ),
    "worker": LazyCommand(
        "worker",
        "worker",
        "Run the season's jobs: the scheduler in the foreground (Ctrl-C stops it), or `--once`.",
    ),
    "replay": LazyCommand(
        "replay",
        "replay",
        "Run the worker's day for every day in the range against the configured sources, write "
        "each day's board (boards/<date>.csv), grade it once settled, and report week by week.",
    ),
    "train": LazyCommand(
        "train",
        "train",
        "Train models, register them in MLflow (champion/challenger) and write a report.",
    ),
    "evaluate": LazyCommand(
        "evaluate",
        "evaluate",
        "Train on the evaluation protocol and print the figures (also written as a report).",
    ),
    "minutes": LazyCommand(
        "minutes",
        "minutes",
        "Minutes model MAE vs the last-10 and season averages; `--fit` freezes the weights, "
        "`--trial` scores new features, `--roles` the role clusters.",
    ),
    "grade": LazyCommand(
        "grade",
        "grade",
        "Append the grade of every prediction whose game (before --as-of) is in the box scores "
        "to the hash-chained record.",
    ),
    "db": LazyCommand("db", "app", "Database schema (Alembic migrations)."),
    "data": LazyCommand("data", "app", "Bundled NBA data."),
    "features": LazyCommand("features", "app", "Feature store."),
    "ingest": LazyCommand("ingest", "app", "Sync live data (NBA box scores, prop lines)."),
    "lines": LazyCommand("lines", "app", "Prop lines."),
    "injuries": LazyCommand("injuries", "app", "Injury reports."),
    "models": LazyCommand(
        "models", "app", "List, inspect, promote and roll back registered models."
    ),
    "ab": LazyCommand(
        "ab",
        "app",
        "A/B tests: serve a challenger to a share of props, compare it on the same props.",
    ),
    "keys": LazyCommand("keys", "app", "Create, list and revoke API keys."),
    "deploy": LazyCommand(
        "deploy", "app", "Release a new version beside the old one and switch nginx to it."
    ),
    "track-record": LazyCommand(
        "track_record", "app", "The verifiable record: check the hash chain, export it."
    ),
}


def load_command(name: str) -> click.Command:
    """Import command `name`'s module and build its click command."""
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(f"statmusepicks.cli.{entry.module}"), entry.attr)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """The root group: lists every command from `COMMANDS`, imports only the one invoked."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        # Stand-ins carrying only the help line: what `--help` and typo suggestions read.
        self.commands = {
            name: TyperCommand(name, help=entry.help) for name, entry in COMMANDS.items()
        }

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and name in COMMANDS:
            command = load_command(name)
        return name, command, rest


app = typer.Typer(
    name="statmusepicks",
    help="Price NBA player props: data, features, models, backtests and the API.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    cls=LazyGroup,
)


@app.callback()
def main(log_level: str | None = typer.Option(None, help="Override LOG_LEVEL.")) -> None:
    """Read settings and configure logging before any command runs."""
    from statmusepicks.core.logging import configure_logging
    from statmusepicks.core.settings import get_settings

    settings = get_settings()
    configure_logging(log_level or settings.log_level, json=settings.log_json)
