"""The `statmusepicks` command line."""

from __future__ import annotations

import typer

from statmusepicks.cli import (
    ab,
    backtest,
    data,
    db,
    deploy,
    evaluate,
    features,
    grade,
    ingest,
    injuries,
    keys,
    lines,
    models,
    replay,
    serve,
    train,
    worker,
)
from statmusepicks.core.logging import configure_logging
from statmusepicks.core.settings import get_settings

app = typer.Typer(
    name="statmusepicks",
    help="Price NBA player props: data, features, models, backtests and the API.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# Command groups; a new group is one line here.
app.add_typer(db.app, name="db")
app.add_typer(data.app, name="data")
app.add_typer(features.app, name="features")
app.command("serve")(serve.serve)
app.command("backtest")(backtest.backtest)
app.add_typer(ingest.app, name="ingest")
app.add_typer(lines.app, name="lines")
app.add_typer(injuries.app, name="injuries")
app.command("worker")(worker.worker)
app.command("replay")(replay.replay)
app.command("train")(train.train)
app.add_typer(models.app, name="models")
app.add_typer(ab.app, name="ab")
app.command("evaluate")(evaluate.evaluate)
app.add_typer(keys.app, name="keys")
app.command("grade")(grade.grade)
app.add_typer(deploy.app, name="deploy")


@app.callback()
def main(log_level: str | None = typer.Option(None, help="Override LOG_LEVEL.")) -> None:
    """Read settings and configure logging before any command runs."""
    settings = get_settings()
    configure_logging(log_level or settings.log_level, json=settings.log_json)
