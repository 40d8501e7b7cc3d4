"""Synthetic player-form feature rows for drift tests: minutes, points tied to minutes, rest
days and pure noise, drawn from one fixed population so a planted shift stands out."""

from __future__ import annotations

import numpy as np
import pandas as pd

FORM_FEATURES = ["f_min_sma10", "f_pts_sma10", "f_rest_days", "f_noise"]


def form_rows(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """`n` rows of FORM_FEATURES and a points target that depends on the points average."""
    minutes = rng.normal(28, 6, n)
    frame = pd.DataFrame(
        {
            "f_min_sma10": minutes,
            "f_pts_sma10": 0.5 * minutes + rng.normal(0, 3, n),
            "f_rest_days": rng.integers(1, 5, n).astype(float),
            "f_noise": rng.normal(0, 1, n),
        }
    )
    frame["pts"] = 0.6 * frame["f_pts_sma10"] + rng.normal(0, 4, n)
    return frame
