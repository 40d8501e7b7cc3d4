"""The lazily loaded command line: `--help` lists every command without importing it, each
listed help line is the command's own, and a command runs once its module is imported."""

from __future__ import annotations

import subprocess
import sys

import typer
from typer.testing import CliRunner

from statmusepicks.cli.main import COMMANDS, app, load_command


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
