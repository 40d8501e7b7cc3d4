"""Walk-forward backtests of prop pricing on stored sportsbook lines.

The engine walks the date range one day at a time. Before each day it refits the pricer on data
strictly before that day (weekly by default), prices every prop of the day without showing the
pricer the outcome, lets each strategy choose bets at the prices a bettor could have taken
before tip-off, and settles them as books do: pushes refund the stake, a player who did not play
voids the bet. Everything it computes is pure: callers load the data and write the reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import resolve_stat
from statmusepicks.evaluation.bankroll import simulate_bankroll, summarize_bets
from statmusepicks.evaluation.metrics import probability_scores
from statmusepicks.evaluation.odds import american_to_decimal, book_margin, devig
from statmusepicks.evaluation.strategies import (
    STRATEGIES,
    StrategyParams,
    frontend_probability,
    select_bets,
)

LINE_COLUMNS = (
    "game_date",
    "player_id",
    "player_name",
    "market",
    "bookmaker",
    "line",
    "over_price",
    "under_price",
    "actual",
)
# Columns the pricer never sees: they are the answer.
OUTCOME_COLUMNS = ("actual", "result")
PROP_KEY = ["game_date", "player_id", "market"]
EDGE_BUCKETS = (-np.inf, 0.0, 0.02, 0.05, 0.10, np.inf)
EDGE_LABELS = ("<0%", "0-2%", "2-5%", "5-10%", ">=10%")


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


def settle(actual: pd.Series, line: pd.Series) -> pd.Series:
    """`over`, `under` or `push` against the line; `void` when the player did not play."""
    actual_values = pd.to_numeric(actual, errors="coerce").to_numpy(dtype=float)
    lines = line.to_numpy(dtype=float)
    result = np.where(
        np.isnan(actual_values),
        "void",
        np.where(actual_values > lines, "over", np.where(actual_values < lines, "under", "push")),
    )
    return pd.Series(result, index=actual.index, dtype=object)


def actual_from_box_scores(props: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """Each prop's outcome from the box scores (NaN without one): lines not yet graded in the
    database still settle, and a player with no box score that day stays void."""
    keys = history.assign(game_date=pd.to_datetime(history["game_date"]).dt.date)
    keys = keys.drop_duplicates(["player_id", "game_date"])
    merged = props[["player_id", "game_date", "market"]].merge(
        keys, on=["player_id", "game_date"], how="left"
    )
    merged.index = props.index
    actual = pd.Series(np.nan, index=props.index)
    for market, rows in merged.groupby("market"):
        spec = resolve_stat(str(market))
        if all(column in rows.columns for column in spec.columns):
            actual.loc[rows.index] = sum(
                weight * rows[column].astype(float) for column, weight in spec.weights
            )
    return actual


def prepare_lines(lines: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Normalised line snapshots a bettor could have taken, and counts of what was dropped.

    Drops rows without a player id or without both prices, and every snapshot captured after
    tip-off (`captured_at > commence_time`): those prices were not available before the game.
    """
    missing = [column for column in LINE_COLUMNS if column not in lines.columns]
    if missing:
        raise ValidationError(f"prop lines lack columns {missing}", details={"missing": missing})
    frame = lines.copy()
    frame["game_date"] = pd.to_datetime(frame["game_date"]).dt.date
    for column in ("commence_time", "captured_at"):
        if column not in frame.columns:
            frame[column] = pd.NaT
        frame[column] = pd.to_datetime(frame[column], utc=True)
    if "is_main_line" not in frame.columns:
        frame["is_main_line"] = True
    for column in ("season", "home_team", "away_team"):
        if column not in frame.columns:
            frame[column] = None
    counts = {"rows_in": len(frame)}
    no_player = frame["player_id"].isna()
    one_sided = frame["over_price"].isna() | frame["under_price"].isna()
    after_tip = (
        frame["captured_at"].notna()
        & frame["commence_time"].notna()
        & (frame["captured_at"] > frame["commence_time"])
    )
    counts["dropped_no_player_id"] = int(no_player.sum())
    counts["dropped_one_sided"] = int((one_sided & ~no_player).sum())
    counts["dropped_after_tipoff"] = int((after_tip & ~no_player & ~one_sided).sum())
    counts["captured_at_unknown"] = int(frame["captured_at"].isna().sum())
    frame = frame[~(no_player | one_sided | after_tip)].copy()
    frame["player_id"] = frame["player_id"].astype("int64")
    frame["over_price"] = frame["over_price"].astype(float)
    frame["under_price"] = frame["under_price"].astype(float)
    frame["line"] = frame["line"].astype(float)
    counts["rows_used"] = len(frame)
    return frame, counts


def _snapshots(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per book quote: the first snapshot (when we bet) and the last before tip-off (close)."""
    quote_key = [*PROP_KEY, "bookmaker", "line"]
    ordered = frame.sort_values("captured_at", na_position="first", kind="stable")
    opening = ordered.groupby(quote_key, sort=False).head(1)
    closing = ordered.groupby(quote_key, sort=False).tail(1)
    counts = ordered.groupby(quote_key, sort=False).size().rename("n_snapshots")
    opening = opening.merge(counts, left_on=quote_key, right_index=True)
    closing = closing.merge(counts, left_on=quote_key, right_index=True)
    return opening.reset_index(drop=True), closing[closing["n_snapshots"] > 1].reset_index(
        drop=True
    )


def _chosen_lines(opening: pd.DataFrame, book: str) -> pd.DataFrame:
    """One line per prop: the chosen book's main line, or the most quoted main line."""
    main = opening[opening["is_main_line"].astype(bool)]
    if book != "best":
        chosen = main[main["bookmaker"] == book]
        return chosen[[*PROP_KEY, "line"]].drop_duplicates(PROP_KEY)
    main = main.assign(distance=np.abs(devig(main["over_price"], main["under_price"]) - 0.5))
    votes = main.groupby([*PROP_KEY, "line"], as_index=False).agg(
        books=("bookmaker", "nunique"), distance=("distance", "mean")
    )
    # The most quoted line; a tie goes to the line priced closest to even.
    votes = votes.sort_values(
        [*PROP_KEY, "books", "distance"], ascending=[True, True, True, False, True]
    )
    return votes.drop_duplicates(PROP_KEY)[[*PROP_KEY, "line"]]


def _best_side(quotes: pd.DataFrame, side: str, book: str) -> pd.DataFrame:
    price = f"{side}_price"
    offered = quotes if book == "best" else quotes[quotes["bookmaker"] == book]
    offered = offered.assign(decimal=american_to_decimal(offered[price]))
    best = offered.sort_values("decimal", ascending=False, kind="stable").drop_duplicates(
        [*PROP_KEY, "line"]
    )
    return best[[*PROP_KEY, "line", price, "bookmaker"]].rename(
        columns={"bookmaker": f"{side}_book"}
    )


def drop_off_market_quotes(
    quotes: pd.DataFrame, max_disagreement: float
) -> tuple[pd.DataFrame, int]:
    """Quotes whose de-vigged price is far from every other book's at the same line, removed.

    Such a quote is a stale or mis-sided price (the bundled lines hold a few Bovada threes quotes
    with over and under swapped: +190 over where six books make the over about -240). Books void
    palpable errors, so a backtest must not book them as edge. Needs two other books to judge.
    """
    fair = pd.Series(devig(quotes["over_price"], quotes["under_price"]), index=quotes.index)
    grouped = fair.groupby([quotes[column] for column in [*PROP_KEY, "line"]])
    count = grouped.transform("size")
    others = (grouped.transform("sum") - fair) / (count - 1).where(count > 1)
    off = (count >= 3) & ((fair - others).abs() > max_disagreement)
    return quotes[~off], int(off.sum())


def build_props(
    lines: pd.DataFrame, book: str = "best", *, max_disagreement: float = 0.15
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per (day, player, market): the line, the prices to bet and the market's view.

    `book="best"` shops every book quoting the same line for the best price of each side;
    a book name uses that book's main line and prices only. `market_p_over` is the mean of the
    books' proportionally de-vigged over probabilities at that line (the consensus benchmark);
    `close_p_over` is the consensus at the last snapshot before tip-off when a later one exists
    (for CLV). Quotes more than `max_disagreement` away from the other books are dropped first.
    """
    frame, counts = prepare_lines(lines)
    opening, closing = _snapshots(frame)
    opening, counts["dropped_off_market"] = drop_off_market_quotes(opening, max_disagreement)
    chosen = _chosen_lines(opening, book)
    quotes = opening.merge(chosen, on=[*PROP_KEY, "line"])
    quotes = quotes.assign(
        fair_over=devig(quotes["over_price"], quotes["under_price"]),
        margin=book_margin(quotes["over_price"], quotes["under_price"]),
    )
    props = quotes.groupby([*PROP_KEY, "line"], as_index=False).agg(
        season=("season", "first"),
        player_name=("player_name", "first"),
        home_team=("home_team", "first"),
        away_team=("away_team", "first"),
        commence_time=("commence_time", "min"),
        n_books=("bookmaker", "nunique"),
        market_p_over=("fair_over", "mean"),
        market_margin=("margin", "mean"),
        actual=("actual", "first"),
    )
    for side in ("over", "under"):
        props = props.merge(_best_side(quotes, side, book), on=[*PROP_KEY, "line"], how="inner")
    props = props.merge(_closing_view(closing, chosen), on=[*PROP_KEY, "line"], how="left")
    props = props.sort_values([*PROP_KEY]).reset_index(drop=True)
    props.insert(0, "prop_id", np.arange(len(props)))
    counts["props"] = len(props)
    return props, counts


def _closing_view(closing: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """The consensus de-vigged over probability at the close, where a later snapshot exists."""
    closing = closing.merge(chosen, on=[*PROP_KEY, "line"])
    closing = closing.assign(fair_over=devig(closing["over_price"], closing["under_price"]))
    return closing.groupby([*PROP_KEY, "line"], as_index=False).agg(
        close_p_over=("fair_over", "mean")
    )


class BacktestEngine:
    """Walk-forward: refit on the past, price the day, bet, settle, repeat."""

    def __init__(self, config: BacktestConfig) -> None:
        self.config = config

    def run(
        self,
        lines: pd.DataFrame,
        history: pd.DataFrame,
        factory: PricerFactory,
        *,
        progress: ProgressCallback | None = None,
    ) -> BacktestResult:
        """Price and bet every day in the range; `history` is every known player game log."""
        config = self.config
        window = lines[
            (pd.to_datetime(lines["game_date"]).dt.date >= config.start)
            & (pd.to_datetime(lines["game_date"]).dt.date <= config.end)
        ]
        if config.markets:
            window = window[window["market"].isin(config.markets)]
        props, counts = build_props(window, config.book)
        if props.empty:
            raise ValidationError(
                f"No prop lines between {config.start} and {config.end} for book {config.book!r}"
            )
        priced = self._price_days(props, history, factory, progress)
        priced["actual"] = priced["actual"].fillna(actual_from_box_scores(priced, history))
        priced["result"] = settle(priced["actual"], priced["line"])
        priced["frontend_p_over"] = frontend_probability(
            priced["predicted"], priced["line"], config.staking.frontend_scale
        )
        bets = select_bets(priced, config.strategies, config.staking)
        bets, curves = simulate_bankroll(bets, priced["game_date"].unique(), config)
        summary = self._summarize(priced, bets, curves, counts, factory.name)
        return BacktestResult(config, factory.name, priced, bets, curves, summary)

    def _price_days(
        self,
        props: pd.DataFrame,
        history: pd.DataFrame,
        factory: PricerFactory,
        progress: ProgressCallback | None,
    ) -> pd.DataFrame:
        history = history.assign(game_date=pd.to_datetime(history["game_date"]).dt.date)
        history = history.sort_values("game_date", kind="stable").reset_index(drop=True)
        history_dates = history["game_date"].to_numpy()
        days = sorted(props["game_date"].unique())
        pricer: Pricer | None = None
        fitted_on: dt.date | None = None
        priced_days: list[pd.DataFrame] = []
        for number, day in enumerate(days, start=1):
            before = history.iloc[: int(np.searchsorted(history_dates, day, side="left"))]
            if fitted_on is None or (day - fitted_on).days >= self.config.refit_days:
                pricer, fitted_on = factory.fit(day, before), day
            assert pricer is not None
            today = props[props["game_date"] == day]
            answer = pricer.price(
                today.drop(columns=list(OUTCOME_COLUMNS), errors="ignore"), before
            )
            priced_days.append(today.join(_checked_prices(answer, today), how="left"))
            if progress is not None:
                progress(day, number, len(days))
        priced = pd.concat(priced_days)
        priced["refit_cadence_days"] = self.config.refit_days
        return priced

    def _summarize(
        self,
        priced: pd.DataFrame,
        bets: pd.DataFrame,
        curves: pd.DataFrame,
        counts: dict[str, int],
        pricer_name: str,
    ) -> dict[str, Any]:
        config = self.config
        by_strategy: dict[str, Any] = {}
        for name in config.strategies:
            placed = bets[bets["strategy"] == name]
            curve = curves[curves["strategy"] == name]
            by_strategy[name] = {
                **summarize_bets(
                    placed,
                    curve,
                    samples=config.bootstrap_samples,
                    seed=config.seed,
                    starting_bankroll=config.starting_bankroll,
                ),
                "by_stat": _grouped(placed, "market", config),
                "by_book": _grouped(placed, "book", config),
            }
        return {
            "pricer": pricer_name,
            "synthetic": config.synthetic,
            "start": config.start.isoformat(),
            "end": config.end.isoformat(),
            "book": config.book,
            "days": int(priced["game_date"].nunique()),
            "props": len(priced),
            "props_priced": int(priced["p_over"].notna().sum()),
            "results": {k: int(v) for k, v in priced["result"].value_counts().items()},
            "lines": counts,
            "strategies": by_strategy,
            "probability": probability_quality(priced),
            "edge_buckets": edge_buckets(priced),
            "params": config.as_params(),
        }


def _checked_prices(answer: pd.DataFrame, props: pd.DataFrame) -> pd.DataFrame:
    required = ["p_over", "p_under", "p_push"]
    missing = [column for column in required if column not in answer.columns]
    if missing:
        raise ValidationError(f"pricer answer lacks columns {missing}")
    answer = answer.reindex(props.index)
    if "predicted" not in answer.columns:
        answer = answer.assign(predicted=np.nan)
    return answer[[*required, "predicted"]].astype(float)


def _grouped(placed: pd.DataFrame, column: str, config: BacktestConfig) -> dict[str, Any]:
    """The bet summary per stat or per book (no bankroll curve: groups share one bankroll)."""
    if placed.empty:
        return {}
    return {
        str(key): summarize_bets(
            group,
            None,
            samples=config.bootstrap_samples,
            seed=config.seed,
            starting_bankroll=config.starting_bankroll,
        )
        for key, group in placed.groupby(column)
    }


def probability_quality(priced: pd.DataFrame) -> dict[str, Any]:
    """Brier, log loss and ECE of model, market and frontend heuristic on the same props.

    Only props settled over or under and priced by the model count, so all three forecasters
    face exactly the same outcomes; the model's over probability is taken conditional on no push
    (as the de-vigged market's is).
    """
    settled = priced[priced["result"].isin(["over", "under"]) & priced["p_over"].notna()]
    settled = settled.assign(
        outcome=(settled["result"] == "over").astype(float),
        model_p=settled["p_over"] / (settled["p_over"] + settled["p_under"]),
    )

    def scores(rows: pd.DataFrame) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": probability_scores(rows["outcome"], rows["model_p"]),
            "market": probability_scores(rows["outcome"], rows["market_p_over"]),
        }
        heuristic = rows[rows["frontend_p_over"].notna()]
        if not heuristic.empty:
            out["frontend_sigmoid"] = probability_scores(
                heuristic["outcome"], heuristic["frontend_p_over"]
            )
        return out

    if settled.empty:
        return {"overall": None, "by_stat": {}}
    return {
        "overall": scores(settled),
        "by_stat": {str(stat): scores(rows) for stat, rows in settled.groupby("market")},
    }


def edge_buckets(priced: pd.DataFrame) -> list[dict[str, Any]]:
    """Flat-stake ROI of the model's preferred side per bucket of its claimed edge.

    Whether bigger claimed edges pay more is the plainest test that the edge is real.
    """
    rows = priced[priced["p_over"].notna() & (priced["result"] != "void")].copy()
    if rows.empty:
        return []
    over_ev = rows["p_over"] * (american_to_decimal(rows["over_price"]) - 1) - rows["p_under"]
    under_ev = rows["p_under"] * (american_to_decimal(rows["under_price"]) - 1) - rows["p_over"]
    take_over = over_ev >= under_ev
    rows["edge"] = np.where(take_over, over_ev, under_ev)
    price = np.where(take_over, rows["over_price"], rows["under_price"])
    won = np.where(take_over, rows["result"] == "over", rows["result"] == "under")
    push = rows["result"] == "push"
    rows["profit"] = np.where(push, 0.0, np.where(won, american_to_decimal(price) - 1, -1.0))
    rows["bucket"] = pd.cut(rows["edge"], EDGE_BUCKETS, labels=EDGE_LABELS, right=False)
    table = rows.groupby("bucket", observed=False).agg(
        bets=("profit", "size"), profit=("profit", "sum"), mean_edge=("edge", "mean")
    )
    return [
        {
            "bucket": str(label),
            "bets": int(row.bets),
            "roi": float(row.profit / row.bets) if row.bets else None,
            "mean_edge": float(row.mean_edge) if row.bets else None,
        }
        for label, row in table.iterrows()
    ]
