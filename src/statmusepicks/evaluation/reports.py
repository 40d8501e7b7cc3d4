"""Report files: reliability diagrams (PNG), tables as markdown and CSV.

Pure writers: callers compute the figures and pass them in; these functions only lay them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
import pandas as pd

from statmusepicks.evaluation.metrics import reliability_table


def reliability_diagram(
    outcome: npt.ArrayLike,
    probabilities: Mapping[str, npt.ArrayLike],
    path: Path,
    *,
    title: str = "Reliability of P(over)",
    bins: int = 10,
) -> Path:
    """Observed frequency against mean forecast per bin, one line per forecaster, as a PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(6, 7), gridspec_kw={"height_ratios": [3, 1]}, sharex=True
    )
    top.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    for label, probability in probabilities.items():
        table = reliability_table(outcome, probability, bins)
        filled = table[table["count"] > 0]
        top.plot(filled["forecast"], filled["observed"], marker="o", label=label)
        bottom.hist(
            np.asarray(probability, float), bins=bins, range=(0, 1), histtype="step", label=label
        )
    top.set_ylabel("observed over frequency")
    top.set_title(title)
    top.legend(loc="upper left", fontsize=8)
    bottom.set_xlabel("forecast P(over)")
    bottom.set_ylabel("lines")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub-flavoured markdown table of a frame (floats rounded)."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    lines = [header, rule]
    for row in frame.itertuples(index=False):
        cells = [f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_tables(
    tables: Mapping[str, pd.DataFrame], directory: Path, *, title: str, notes: str = ""
) -> dict[str, Path]:
    """Each table as `<name>.csv`, and all of them in one `report.md`."""
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    sections = [f"# {title}", notes] if notes else [f"# {title}"]
    for name, table in tables.items():
        csv_path = directory / f"{name}.csv"
        table.to_csv(csv_path, index=False)
        written[name] = csv_path
        sections += [f"## {name.replace('_', ' ')}", markdown_table(table)]
    report = directory / "report.md"
    report.write_text("\n\n".join(sections) + "\n")
    written["report"] = report
    return written
