"""The walk-forward engine on hand-built seasons whose right answers are known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from statmusepicks.core.errors import ValidationError
from statmusepicks.evaluation.backtest import BacktestEngine
from statmusepicks.evaluation.backtest_types import BacktestConfig
from statmusepicks.evaluation.odds import american_to_decimal
from statmusepicks.evaluation.pricers import MarketPricer
from statmusepicks.evaluation.props import build_props, settle
from statmusepicks.evaluation.strategies import StrategyParams
from tests.unit.evaluation.seasons import (
    DAY,
    FixedPricer,
    box_scores,
    coin_season,
    oracle,
    quote,
)

NEXT = DAY + dt.timedelta(days=1)


def tiny_season() -> pd.DataFrame:
    """Two days, three players; one pushes, one does not play (void)."""
    return pd.DataFrame(
        [
            quote(DAY, 1, "fanduel", 20.5, -110, -110, 25.0),
            quote(DAY, 1, "draftkings", 20.5, +105, -125, 25.0),
            quote(DAY, 2, "fanduel", 10.5, -120, +100, 8.0),
            quote(DAY, 2, "draftkings", 10.5, -115, -105, 8.0),
            quote(NEXT, 1, "fanduel", 22.0, -110, -110, 22.0),  # push
            quote(NEXT, 3, "fanduel", 5.5, -110, -110, None),  # did not play
            quote(NEXT, 2, "fanduel", 9.5, +120, -140, 12.0),
        ]
    )


def run(lines: pd.DataFrame, pricer: object, **config: object) -> object:
    days = sorted({*pd.to_datetime(lines["game_date"]).dt.date})
    settings = {"start": days[0], "end": days[-1], **config}
    history = box_scores([days[0] - dt.timedelta(days=2)], [1, 2, 3])
    return BacktestEngine(BacktestConfig(**settings)).run(lines, history, pricer)  # type: ignore[arg-type]


def outcomes_of(lines: pd.DataFrame) -> dict[tuple[object, int], float]:
    return {
        (row.game_date, row.player_id): row.actual  # type: ignore[misc]
        for row in lines.itertuples()
    }


def test_settlement_is_over_under_push_or_void() -> None:
    actual = pd.Series([25.0, 8.0, 22.0, None])
    line = pd.Series([20.5, 10.5, 22.0, 5.5])
    assert settle(actual, line).tolist() == ["over", "under", "push", "void"]


def test_a_line_not_yet_graded_settles_from_the_box_score() -> None:
    lines = pd.DataFrame(
        [
            quote(DAY, 1, "fanduel", 20.5, -110, -110, None),
            quote(DAY, 2, "fanduel", 9.5, -110, -110, None),
        ]
    )
    history = box_scores([DAY], [1], points=24.0)  # player 2 has no box score: he did not play
    config = BacktestConfig(start=DAY, end=DAY, strategies=("always_over",))
    result = BacktestEngine(config).run(lines, history, FixedPricer(lambda _row: 0.5))
    assert result.props["result"].tolist() == ["over", "void"]
    assert result.props["actual"].tolist()[0] == 24.0


def test_an_oracle_wins_every_bet_it_places_at_the_best_price() -> None:
    lines = tiny_season()
    result = run(lines, oracle(outcomes_of(lines)), strategies=("ev",))
    ev = result.summary["strategies"]["ev"]  # type: ignore[attr-defined]
    # Player 1 over at +105 (draftkings beats fanduel's -110); player 2 under at +100;
    # player 2 over on day two at +120. The push and the void are never bet on.
    assert ev["bets"] == 3
    assert ev["wins"] == 3
    assert ev["win_rate"] == 1.0
    assert ev["profit_units"] == pytest.approx(1.05 + 1.00 + 1.20)
    assert ev["roi"] == pytest.approx((1.05 + 1.00 + 1.20) / 3)
    assert ev["max_drawdown"] == 0.0
    bets = result.bets  # type: ignore[attr-defined]
    first = bets[(bets["strategy"] == "ev") & (bets["player_id"] == 1)].iloc[0]
    assert (first["book"], first["price"]) == ("draftkings", 105)


def test_pushes_are_refunded_and_voids_are_not_counted() -> None:
    lines = tiny_season()
    result = run(lines, FixedPricer(lambda _row: 0.5), strategies=("always_over",))
    over = result.summary["strategies"]["always_over"]  # type: ignore[attr-defined]
    # Five props: two overs win (+105 then +120), one under loses, one pushes, one is void.
    assert over["voided"] == 1
    assert over["bets"] == 4
    assert (over["wins"], over["losses"], over["pushes"]) == (2, 1, 1)
    assert over["staked_units"] == 4.0
    assert over["profit_units"] == pytest.approx(1.05 + 1.20 - 1.0)
    assert over["roi"] == pytest.approx((1.05 + 1.20 - 1.0) / 4)
    assert over["win_rate"] == pytest.approx(2 / 3)


def test_a_coin_loses_about_the_books_margin() -> None:
    lines = coin_season(props=8_000, days=40, seed=7)
    rng = np.random.default_rng(11)
    coin = FixedPricer(lambda _row: 0.7 if rng.random() < 0.5 else 0.3, name="coin")
    result = run(lines, coin, strategies=("confidence",), bootstrap_samples=500)
    summary = result.summary["strategies"]["confidence"]  # type: ignore[attr-defined]
    # At -110 / -110 a fair coin returns 0.5 * 1.909 - 1 = -4.55 % (the margin is 4.76 %).
    expected = 0.5 * float(american_to_decimal(-110)) - 1.0
    assert summary["bets"] == 8_000
    assert summary["roi"] == pytest.approx(expected, abs=0.03)
    low, high = summary["roi_ci95"]
    assert low < expected < high
    assert summary["bets_for_significance"] is None or summary["roi"] > 0


def test_the_pricer_never_sees_the_outcome_or_the_day_itself() -> None:
    lines = tiny_season()
    spy = FixedPricer(lambda _row: 0.5)
    days = [DAY - dt.timedelta(days=1), DAY, NEXT]
    history = box_scores(days, [1, 2, 3])
    config = BacktestConfig(start=DAY, end=NEXT, strategies=("ev",))
    BacktestEngine(config).run(lines, history, spy)
    assert "actual" not in spy.seen_columns
    assert "result" not in spy.seen_columns
    for day, latest in spy.latest_history:
        assert latest < day  # type: ignore[operator]


@pytest.mark.parametrize(("refit_days", "fits"), [(7, 2), (1, 10), (30, 1)])
def test_the_pricer_is_refit_on_the_configured_cadence(refit_days: int, fits: int) -> None:
    lines = pd.DataFrame(
        [quote(DAY + dt.timedelta(days=d), 1, "fanduel", 20.5, -110, -110, 21.0) for d in range(10)]
    )
    spy = FixedPricer(lambda _row: 0.5)
    run(lines, spy, strategies=("ev",), refit_days=refit_days)
    assert len(spy.fits) == fits
    assert spy.fits[0] == DAY


def test_lines_captured_after_tip_off_are_never_used() -> None:
    lines = pd.DataFrame(
        [
            quote(DAY, 1, "fanduel", 20.5, -110, -110, 25.0, captured="12:00"),
            quote(DAY, 1, "draftkings", 20.5, +300, -400, 25.0, captured="23:30"),
        ]
    )
    props, counts = build_props(lines)
    assert counts["dropped_after_tipoff"] == 1
    assert props.loc[0, "over_price"] == -110
    assert props.loc[0, "over_book"] == "fanduel"


def test_line_shopping_only_compares_books_at_the_same_line() -> None:
    lines = pd.DataFrame(
        [
            quote(DAY, 1, "fanduel", 20.5, -110, -110, 25.0),
            quote(DAY, 1, "draftkings", 20.5, -105, -115, 25.0),
            quote(DAY, 1, "betmgm", 20.5, -112, -108, 25.0),
            quote(DAY, 1, "bovada", 19.5, +150, -190, 25.0),  # another line: not comparable
        ]
    )
    props, _ = build_props(lines)
    assert len(props) == 1
    row = props.iloc[0]
    assert row["line"] == 20.5
    assert (row["over_book"], row["over_price"]) == ("draftkings", -105)
    assert (row["under_book"], row["under_price"]) == ("betmgm", -108)
    assert row["n_books"] == 3


def test_a_chosen_book_prices_its_own_main_line() -> None:
    lines = pd.DataFrame(
        [
            quote(DAY, 1, "fanduel", 20.5, -110, -110, 25.0),
            quote(DAY, 1, "bovada", 19.5, -120, -110, 25.0),
            quote(DAY, 1, "bovada", 21.5, +130, -160, 25.0, main=False),
        ]
    )
    props, _ = build_props(lines, book="bovada")
    assert props["line"].tolist() == [19.5]
    assert props.loc[0, "over_book"] == "bovada"


def test_a_quote_far_from_every_other_book_is_dropped_as_mis_sided() -> None:
    lines = pd.DataFrame(
        [quote(DAY, 1, book, 0.5, -240, +180, 1.0, market="threes") for book in ("a", "b", "c")]
        + [quote(DAY, 1, "bovada", 0.5, +190, -260, 1.0, market="threes")]
    )
    props, counts = build_props(lines)
    assert counts["dropped_off_market"] == 1
    assert props.loc[0, "over_price"] == -240


def test_closing_line_value_compares_our_price_with_the_last_snapshot_before_tip() -> None:
    lines = pd.DataFrame(
        [
            quote(DAY, 1, "fanduel", 20.5, +100, -120, 25.0, captured="10:00"),
            quote(DAY, 1, "fanduel", 20.5, -150, +125, 25.0, captured="22:00"),
        ]
    )
    result = run(lines, FixedPricer(lambda _row: 0.9), strategies=("ev",))
    bet = result.bets.iloc[0]  # type: ignore[attr-defined]
    assert bet["price"] == 100
    close_fair = float(
        (1 / american_to_decimal(-150))
        / (1 / american_to_decimal(-150) + 1 / american_to_decimal(125))
    )
    assert bet["clv"] == pytest.approx(close_fair * 2.0 - 1.0)
    assert result.summary["strategies"]["ev"]["clv_bets"] == 1  # type: ignore[attr-defined]


def test_the_market_pricer_scores_exactly_like_the_market() -> None:
    lines = coin_season(props=400, days=4, seed=3)
    result = run(lines, MarketPricer(), strategies=("ev",), bootstrap_samples=100)
    quality = result.summary["probability"]["overall"]  # type: ignore[attr-defined]
    assert quality["model"] == quality["market"]
    assert result.summary["strategies"]["ev"]["bets"] == 0  # type: ignore[attr-defined]


def test_the_frontend_heuristic_bets_only_beyond_its_0_55_cut() -> None:
    lines = pd.DataFrame(
        [
            quote(DAY, 1, "fanduel", 20.5, -110, -110, 25.0),
            quote(DAY, 2, "fanduel", 20.5, -110, -110, 25.0),
        ]
    )

    class Predicting(FixedPricer):
        def price(self, props: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
            # sigmoid(2/5) = 0.599 bets the over; sigmoid(0.5/5) = 0.525 does not bet.
            predicted = props["line"] + np.where(props["player_id"] == 1, 2.0, 0.5)
            return super().price(props, history).assign(predicted=predicted)

    result = run(lines, Predicting(lambda _row: 0.5), strategies=("frontend",))
    bets = result.bets  # type: ignore[attr-defined]
    assert bets["player_id"].tolist() == [1]
    assert bets["side"].tolist() == ["over"]


def test_kelly_stakes_a_capped_share_of_the_opening_bankroll_each_day() -> None:
    lines = pd.DataFrame(
        [
            quote(DAY, 1, "fanduel", 20.5, +100, -120, 25.0),
            quote(NEXT, 1, "fanduel", 20.5, +100, -120, 25.0),
        ]
    )
    result = run(lines, FixedPricer(lambda _row: 0.6), strategies=("kelly",))
    bets = result.bets  # type: ignore[attr-defined]
    # Full Kelly at even money with p = 0.6 is 0.2; a quarter is 0.05, capped at 0.02.
    assert bets["stake"].tolist() == pytest.approx([2.0, 0.02 * 102.0])
    curve = result.curves  # type: ignore[attr-defined]
    assert curve["bankroll"].tolist() == pytest.approx([102.0, 102.0 + 2.04])


def test_kelly_scales_a_crowded_day_down_to_the_exposure_limit() -> None:
    lines = pd.DataFrame([quote(DAY, p, "fanduel", 20.5, +100, -120, 25.0) for p in range(1, 41)])
    params = StrategyParams(max_daily_exposure=0.5)
    result = run(lines, FixedPricer(lambda _row: 0.6), strategies=("kelly",), staking=params)
    stakes = result.bets["stake"]  # type: ignore[attr-defined]
    # 40 bets at the 2 % cap would stake 80 % of the bankroll; they share 50 % instead.
    assert stakes.sum() == pytest.approx(50.0)
    assert stakes.nunique() == 1


def test_an_unknown_strategy_or_backwards_range_is_refused() -> None:
    with pytest.raises(ValidationError):
        BacktestConfig(start=DAY, end=DAY, strategies=("martingale",))
    with pytest.raises(ValidationError):
        BacktestConfig(start=NEXT, end=DAY)
