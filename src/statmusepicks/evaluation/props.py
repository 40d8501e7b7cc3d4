"""Props a bettor could have bet: line snapshots reduced to one row per (day, player, market).

Snapshots captured after tip-off are dropped, each side's best price is shopped across the books
quoting the same line, the de-vigged consensus is the market's view, and props settle as books
settle them (pushes refund, a player who did not play voids the bet).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import resolve_stat
from statmusepicks.data.repositories.prop_lines import SETTLED_LINE_COLUMNS
from statmusepicks.evaluation.odds import american_to_decimal, book_margin, devig

PROP_KEY = ["game_date", "player_id", "market"]


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
    missing = [column for column in SETTLED_LINE_COLUMNS if column not in lines.columns]
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
