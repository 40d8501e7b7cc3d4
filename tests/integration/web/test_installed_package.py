"""The package as a wheel installs it: Python modules plus the package-data globs, no repo around.

Files the web layer or the reports read at run time must be package data; a path that climbs
out of the package into the repository works in a checkout and breaks once installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import statmusepicks

PACKAGE = Path(statmusepicks.__file__).resolve().parent
PYPROJECT = PACKAGE.parents[1] / "pyproject.toml"

# Runs in a fresh interpreter whose only statmusepicks is the wheel-shaped copy.
CHECK = """
import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

import statmusepicks
from statmusepicks.evaluation import backtest_report
from statmusepicks.web import pages, rendering

assert Path(statmusepicks.__file__).resolve().parent == Path(sys.argv[1]).resolve()
app = FastAPI()
app.include_router(pages.router)
report = TestClient(app).get("/backtests/example/report.html")
assert report.status_code == 200, report.status_code
assert "<html" in report.text.lower()
backtest_report._environment().get_template(backtest_report.REPORT_TEMPLATE)
rendering.templates().get_template("models.html")
"""


def _wheel_files() -> set[Path]:
    """What setuptools puts in the wheel: every module and the package-data matches."""
    config = tomllib.loads(PYPROJECT.read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["statmusepicks"]
    files = {path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts}
    for pattern in patterns:
        files |= {path for path in PACKAGE.glob(pattern) if path.is_file()}
    return files


def test_an_installed_package_serves_the_example_report_and_loads_its_templates(
    tmp_path: Path,
) -> None:
    installed = tmp_path / "site-packages" / "statmusepicks"
    for source in _wheel_files():
        target = installed / source.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    environment = {**os.environ, "PYTHONPATH": str(installed.parent)}
    checked = subprocess.run(
        [sys.executable, "-c", CHECK, str(installed)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
