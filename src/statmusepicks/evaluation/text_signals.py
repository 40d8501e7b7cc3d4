"""Do text signals improve the price? An out-of-time Brier comparison on the lines they touch.

Both sides are recalibrated on the same earlier games, so the signals are not credited with a
plain recalibration: the baseline is a logistic fit of the model's logit alone, the challenger
adds the signal features. Only lines with at least one signal count, the fits use the games
before `split` and the scores the games from `split` on; a paired bootstrap of the test lines
gives the interval of the Brier difference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from statmusepicks.core.errors import ValidationError

# Neutral values for a kind a line has no signal of: fully available, no cap, no role change.
NEUTRAL = {
    "f_sig_availability": 1.0,
    "f_sig_minutes_restricted": 0.0,
    "f_sig_minutes_cap": 48.0,
    "f_sig_role_change": 0.0,
}
SIGNAL_COLUMNS = tuple(NEUTRAL)
EPSILON = 1e-4


@dataclass(frozen=True)
class SignalEvaluation:
    """Brier scores on the test lines (lower is better) and what they say."""

    train_lines: int
    test_lines: int
    brier_model: float
    brier_recalibrated: float
    brier_with_signals: float
    improvement: float
    interval: tuple[float, float]
    improves: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _design(rows: pd.DataFrame, with_signals: bool) -> np.ndarray:
    p = rows["p_over"].clip(EPSILON, 1 - EPSILON).to_numpy(float)
    columns = [np.log(p / (1 - p))]
    if with_signals:
        columns += [rows[name].fillna(value).to_numpy(float) for name, value in NEUTRAL.items()]
    return np.column_stack(columns)


def _fit_predict(train: pd.DataFrame, test: pd.DataFrame, with_signals: bool) -> np.ndarray:
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(_design(train, with_signals), train["over"].to_numpy(int))
    return np.asarray(model.predict_proba(_design(test, with_signals))[:, 1])


def signalled(rows: pd.DataFrame) -> pd.DataFrame:
    """The lines with at least one text signal."""
    return rows[rows[list(SIGNAL_COLUMNS)].notna().any(axis=1)]


def compare_brier(
    rows: pd.DataFrame, split: dt.date, *, resamples: int = 1000, seed: int = 0
) -> SignalEvaluation:
    """Out-of-time comparison on `rows` (game_date, p_over, over 0/1, the f_sig_ columns).

    `improves` is true only when the whole 95 % interval of the Brier gain is above zero.
    """
    lines = signalled(rows)
    dates = pd.to_datetime(lines["game_date"]).dt.date
    train, test = lines[dates < split], lines[dates >= split]
    if train["over"].nunique() < 2 or test.empty:
        raise ValidationError(
            "Too few lines with text signals on both sides of the split to compare.",
            details={"train": len(train), "test": len(test)},
        )
    outcome = test["over"].to_numpy(int)
    base = _fit_predict(train, test, with_signals=False)
    challenger = _fit_predict(train, test, with_signals=True)
    loss_base = (base - outcome) ** 2
    loss_challenger = (challenger - outcome) ** 2
    generator = np.random.default_rng(seed)
    draws = generator.integers(0, len(outcome), size=(resamples, len(outcome)))
    gains = (loss_base[draws] - loss_challenger[draws]).mean(axis=1)
    low, high = np.quantile(gains, [0.025, 0.975])
    return SignalEvaluation(
        train_lines=len(train),
        test_lines=len(test),
        brier_model=float(brier_score_loss(outcome, test["p_over"].to_numpy(float))),
        brier_recalibrated=float(loss_base.mean()),
        brier_with_signals=float(loss_challenger.mean()),
        improvement=float(loss_base.mean() - loss_challenger.mean()),
        interval=(float(low), float(high)),
        improves=bool(low > 0),
    )
