"""Price arithmetic: American odds, implied probabilities, de-vigging, EV and Kelly stakes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def is_valid_american(odds: float) -> bool:
    """American odds are at most -100 or at least +100 (|odds| < 100 is not a price)."""
    return bool(np.isfinite(odds)) and abs(odds) >= 100


def american_to_decimal(odds: float | npt.ArrayLike) -> FloatArray:
    """Decimal odds (stake included) for American odds."""
    a = np.asarray(odds, dtype=float)
    return np.where(a > 0, 1.0 + a / 100.0, 1.0 + 100.0 / np.abs(a))


def implied_probability(odds: float | npt.ArrayLike) -> FloatArray:
    """The book's implied probability of a price, vig included."""
    return 1.0 / american_to_decimal(odds)


def devig(over_odds: npt.ArrayLike, under_odds: npt.ArrayLike) -> FloatArray:
    """Proportional de-vig: the over's share of the two implied probabilities at one book."""
    p_over = implied_probability(over_odds)
    p_under = implied_probability(under_odds)
    return p_over / (p_over + p_under)


def book_margin(over_odds: npt.ArrayLike, under_odds: npt.ArrayLike) -> FloatArray:
    """The overround: implied probabilities' sum minus one."""
    return implied_probability(over_odds) + implied_probability(under_odds) - 1.0


def fair_american(probability: float) -> float:
    """The American price at which a bet with this win probability breaks even."""
    return float(fair_american_prices(probability))


def fair_american_prices(probability: npt.ArrayLike) -> FloatArray:
    """`fair_american` of every probability (elementwise: each gets its scalar price)."""
    p = np.clip(np.asarray(probability, dtype=float), 1e-6, 1 - 1e-6)
    return np.where(p >= 0.5, -100.0 * p / (1.0 - p), 100.0 * (1.0 - p) / p)


def expected_value(win: npt.ArrayLike, lose: npt.ArrayLike, odds: npt.ArrayLike) -> FloatArray:
    """Expected profit per unit staked; a push (the rest of the probability) returns the stake."""
    profit = american_to_decimal(odds) - 1.0
    return np.asarray(win, dtype=float) * profit - np.asarray(lose, dtype=float)


def kelly_stake(
    win: float, lose: float, odds: float, *, fraction: float = 0.25, cap: float = 0.02
) -> float:
    """Fractional Kelly share of bankroll for a bet that can push, capped (never negative).

    Full Kelly for win/lose/push outcomes is (b*p - q) / b with b the net odds; quarter Kelly
    capped at 2 % keeps the drawdown of a model that is a little overconfident survivable.
    """
    return float(kelly_stakes(win, lose, odds, fraction=fraction, cap=cap))


def kelly_stakes(
    win: npt.ArrayLike,
    lose: npt.ArrayLike,
    odds: npt.ArrayLike,
    *,
    fraction: float = 0.25,
    cap: float = 0.02,
) -> FloatArray:
    """`kelly_stake` of every bet (elementwise: each gets its scalar stake)."""
    b = american_to_decimal(odds) - 1.0
    paying = b > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        full = (b * np.asarray(win, dtype=float) - np.asarray(lose, dtype=float)) / b
    return np.where(paying, np.clip(full * fraction, 0.0, cap), 0.0)
