"""The board's offers: each (player, market, line) at the best prices across books, priced.

The best over and the best under price across books are the prices a bettor can take, and
the books' de-vigged consensus is the market the edge is measured against; every line of a
stat is priced in one `price_lines` call, whichever arm's model priced it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from statmusepicks.core.stats import STATS
from statmusepicks.evaluation.odds import american_to_decimal, devig
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.pricing import BettingRules, Market, Offer, price_lines


def line_offers(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per (player, market, line), in that order: the best over and under price across
    books (the first book to offer it wins a tie), the books' de-vigged consensus, how many
    prices it averages, the books and whether any book calls it the main line."""
    n = len(lines)
    player = lines["player_id"].to_numpy(np.int64)
    market = lines["market"].to_numpy(str)
    line = lines["line"].to_numpy(float)
    order = np.lexsort((np.arange(n), line, market, player))
    player, market, line = player[order], market[order], line[order]
    over = lines["over_price"].to_numpy(float)[order]
    under = lines["under_price"].to_numpy(float)[order]
    books = lines["bookmaker"].astype(str).to_numpy()[order]
    change = np.ones(n, bool)
    change[1:] = (player[1:] != player[:-1]) | (market[1:] != market[:-1]) | (line[1:] != line[:-1])
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n)
    group = np.cumsum(change) - 1
    position = np.arange(n)
    best = {}
    for side, prices in (("over", over), ("under", under)):
        decimal = american_to_decimal(prices)
        top = np.maximum.reduceat(decimal, starts)[group]
        best[side] = np.minimum.reduceat(np.where(decimal == top, position, n), starts)
    fair = devig(over, under)
    main = lines["is_main_line"].fillna(False).astype(bool).to_numpy()[order]
    return pd.DataFrame(
        {
            "player_id": player[starts],
            "market": market[starts],
            "line": line[starts],
            "player_name": lines["player_name"].to_numpy()[order][starts],
            "over_book": books[best["over"]],
            "over_odds": over[best["over"]],
            "under_book": books[best["under"]],
            "under_odds": under[best["under"]],
            "consensus": [float(np.mean(fair[a:b])) for a, b in zip(starts, ends, strict=True)],
            "prices": ends - starts,
            "books": [sorted(books[a:b]) for a, b in zip(starts, ends, strict=True)],
            "main_line": np.logical_or.reduceat(main, starts),
        }
    )


def ladders(offers: pd.DataFrame) -> Iterator[tuple[int, str, range]]:
    """Each (player, market) and the positions of its lines, in `line_offers` order."""
    player, market = offers["player_id"].to_numpy(), offers["market"].to_numpy()
    change = np.ones(len(offers), bool)
    change[1:] = (player[1:] != player[:-1]) | (market[1:] != market[:-1])
    starts = np.flatnonzero(change)
    for start, end in zip(starts, np.append(starts[1:], len(offers)), strict=True):
        yield int(player[start]), str(market[start]), range(int(start), int(end))


def price_offers(
    columns: dict[str, list[Any]],
    ladders: list[tuple[int, str, str, int, range, PropDistribution]],
    predictor: Predictor,
    rules: BettingRules,
) -> dict[int, dict[str, Any]]:
    """The priced answer of every line of `ladders` and the model that priced it, by its
    position in `line_offers`: one `price_lines` call per stat, at the best prices against the
    books' consensus."""
    by_stat: dict[str, list[tuple[int, PropDistribution]]] = {}
    for _, market, _, _, ladder, dist in ladders:
        by_stat.setdefault(market, []).extend((i, dist) for i in ladder)
    answers: dict[int, dict[str, Any]] = {}
    for market, lines in by_stat.items():
        offers = [
            Offer(
                float(columns["line"][i]),
                float(columns["over_odds"][i]),
                float(columns["under_odds"][i]),
            )
            for i, _ in lines
        ]
        markets: list[Market | None] = [
            Market(float(columns["consensus"][i]), int(columns["prices"][i]), "stored_lines")
            for i, _ in lines
        ]
        dists = [dist for _, dist in lines]
        priced = price_lines(dists, STATS[market], offers, markets, predictor, rules)
        answers.update(
            (i, answer | {"model_version": dist.model_version, "model_scope": dist.scope})
            for (i, dist), answer in zip(lines, priced, strict=True)
        )
    return answers
