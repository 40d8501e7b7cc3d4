"""The lazily loaded command line: `--help` lists every command without importing it, each
listed help line is the command's own, a command runs once its module is imported, and the
data commands run without importing the models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from statmusepicks.cli.main import COMMANDS, app, load_command
from tests.environments import migrated_sqlite
from tests.upstream_fakes import NBAStatsServer, running

# What serving needs and a data command must not pay for at start-up (about a second of CPU).
MODEL_MODULES = ("sklearn", "scipy", "statmusepicks.services.predictions")


def test_every_help_line_is_the_commands_own() -> None:
    for name, entry in COMMANDS.items():
        command = load_command(name)
        first_paragraph = (command.help or "").split("\n\n")[0]
        assert " ".join(first_paragraph.split()) == entry.help, name


def test_help_lists_every_command_without_importing_them() -> None:
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from statmusepicks.cli.main import app\n"
        "result = CliRunner().invoke(app, ['--help'], terminal_width=200)\n"
        "assert result.exit_code == 0, result.output\n"
        "print(result.output)\n"
        "heavy = ('pandas', 'sqlalchemy', 'sklearn', 'statmusepicks.services.container')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    listed = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    for name in COMMANDS:
        assert f" {name} " in listed


def test_a_group_runs_after_it_loads() -> None:
    result = CliRunner().invoke(app, ["db", "--help"])
    assert result.exit_code == 0
    assert "upgrade" in result.output
    assert isinstance(typer.main.get_command(app), typer.core.TyperGroup)


def _modules_loaded_by(args: list[str], env: dict[str, str]) -> list[str]:
    """Run the command line in a fresh interpreter; the model modules it imported."""
    script = (
        "import json, sys\n"
        "from statmusepicks.cli.main import app\n"
        "try:\n"
        f"    app({args!r})\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        f"print(json.dumps([m for m in {MODEL_MODULES!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=os.environ | env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_db_current_and_ingest_nba_do_not_import_the_models(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": migrated_sqlite(tmp_path / "cli.db"),
        "VAR_DIR": str(tmp_path / "var"),
        "REDIS_URL": "",
        "NBA_API_REQUESTS_PER_MINUTE": "6000",
    }
    assert _modules_loaded_by(["db", "current"], env) == []
    with running(NBAStatsServer()) as server:
        # The day's games arrive, so the sync drops the served answers too.
        args = ["ingest", "nba", "--since", "2025-11-15", "--until", "2025-11-15"]
        env["NBA_API_BASE_URL"] = server.base_url
        assert _modules_loaded_by([*args, "--as-of", "2025-11-16T15:00:00+00:00"], env) == []
