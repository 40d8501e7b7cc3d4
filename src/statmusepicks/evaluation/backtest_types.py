"""What a backtest is given and what it gives back: the pricer protocols, config and result.

Kept apart from the engine so that the bankroll simulation and the report can read the config
and result without importing the engine that calls them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import pandas as pd

from statmusepicks.core.errors import ValidationError
from statmusepicks.evaluation.strategies import STRATEGIES, StrategyParams


class Pricer(Protocol):
    """Prices one day's props from data strictly before that day.

    `props` holds the day's props (line, best prices, the de-vigged market probability
    `market_p_over`) but never the outcome. `history` holds player game logs with
    `game_date` before the day. The answer is indexed like `props` with columns `p_over`,
    `p_under`, `p_push` (NaN where the pricer has no opinion) and optionally `predicted`
    (the predicted mean, used by the origin frontend's heuristic).
    """

    def price(self, props: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame: ...


class PricerFactory(Protocol):
    """Builds a Pricer fitted only on data before `as_of` (called at each refit date)."""

    @property
    def name(self) -> str:
        """The pricer's label in reports."""
        ...

    def fit(self, as_of: dt.date, history: pd.DataFrame) -> Pricer: ...


@dataclass(frozen=True)
class BacktestConfig:
    """What to backtest and how to stake. Flat strategies stake 1 unit of a 100-unit bankroll."""

    start: dt.date
    end: dt.date
    book: str = "best"
    strategies: tuple[str, ...] = tuple(STRATEGIES)
    refit_days: int = 7
    starting_bankroll: float = 100.0
    staking: StrategyParams = field(default_factory=StrategyParams)
    markets: tuple[str, ...] | None = None
    bootstrap_samples: int = 2000
    seed: int = 0
    synthetic: bool = False

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError(f"end {self.end} is before start {self.start}")
        if self.refit_days < 1:
            raise ValidationError("refit_days must be at least 1")
        unknown = [name for name in self.strategies if name not in STRATEGIES]
        if unknown:
            raise ValidationError(
                f"Unknown strategy {unknown}; use one of {', '.join(STRATEGIES)}",
                details={"accepted": list(STRATEGIES)},
            )

    def as_params(self) -> dict[str, Any]:
        """JSON-ready parameters, stored with every summary."""
        params = asdict(self)
        params["start"] = self.start.isoformat()
        params["end"] = self.end.isoformat()
        params["strategies"] = list(self.strategies)
        params["markets"] = list(self.markets) if self.markets else None
        return params


@dataclass
class BacktestResult:
    """Priced props, placed bets, bankroll curves and the summary of one run."""

    config: BacktestConfig
    pricer_name: str
    props: pd.DataFrame
    bets: pd.DataFrame
    curves: pd.DataFrame
    summary: dict[str, Any]


ProgressCallback = Callable[[dt.date, int, int], None]
