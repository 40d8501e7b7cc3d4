"""The nightly drift report: one HTML page per night, one table row per feature, worst first.

Pure layout: the caller computes PSI, KS and the bin shares (models/drift.py) and passes them
in; charts are matplotlib PNGs embedded as data URIs, so the page is one self-contained file.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader

TEMPLATE = "drift_report.html"
WORST_CHARTED = 15
BINS_CHARTED = 4


@dataclass
class DriftPanel:
    """One model's night: its rows (kind, name, rows, psi, ks, drifted, important) worst first,
    and reference vs served bin shares of the quantities worth a picture."""

    model: str
    rows: pd.DataFrame
    bins: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    important_drifted: float = 0.0
    retrain: bool = False
    note: str = ""


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def psi_chart(panel: DriftPanel, psi_threshold: float) -> str | None:
    """Horizontal bars of the worst features' PSI, with the threshold (base64 PNG)."""
    if panel.rows.empty:  # a panel with only a note (too few served rows) has no columns
        return None
    worst = panel.rows.dropna(subset=["psi"]).head(WORST_CHARTED)
    if worst.empty:
        return None
    figure, axis = plt.subplots(figsize=(7, 0.3 * len(worst) + 1.2))
    colours = ["#c0392b" if d else "#2e86c1" for d in worst["drifted"]]
    axis.barh(worst["name"][::-1], worst["psi"][::-1], color=colours[::-1])
    axis.axvline(psi_threshold, color="grey", linestyle="--", linewidth=1)
    axis.set_xlabel("PSI against the training reference")
    axis.set_title(f"{panel.model}: worst {len(worst)}")
    figure.tight_layout()
    return _png(figure)


def bins_chart(name: str, reference: list[float], served: list[float]) -> str:
    """Reference vs served shares per decile bin (the last bar is the missing share)."""
    figure, axis = plt.subplots(figsize=(5, 2.4))
    positions = np.arange(len(reference))
    axis.bar(positions - 0.2, reference, width=0.4, label="reference", color="#95a5a6")
    axis.bar(positions + 0.2, served, width=0.4, label="served", color="#2e86c1")
    axis.set_xticks(positions, [*map(str, range(1, len(reference))), "NA"], fontsize=7)
    axis.set_title(name, fontsize=9)
    axis.legend(fontsize=7)
    figure.tight_layout()
    return _png(figure)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("statmusepicks.evaluation", "templates"),
        autoescape=True,
        trim_blocks=True,
        keep_trailing_newline=True,
    )


def render_drift_report(
    panels: list[DriftPanel], *, as_of: str, window: str, thresholds: dict[str, float]
) -> str:
    """The HTML page of one night's drift checks."""
    models = []
    for panel in panels:
        charts = [
            bins_chart(name, reference, served)
            for name, (reference, served) in list(panel.bins.items())[:BINS_CHARTED]
        ]
        models.append(
            {
                "panel": panel,
                "rows": panel.rows.to_dict("records"),
                "psi_chart": psi_chart(panel, thresholds["psi"]),
                "bin_charts": charts,
            }
        )
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(models=models, as_of=as_of, window=window, thresholds=thresholds)
    )


def write_drift_report(path: Path, html: str) -> Path:
    """Write the page, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html)
    return path
