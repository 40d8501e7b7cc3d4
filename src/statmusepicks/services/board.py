"""Use case: the props board. Every stored prop line of a date, priced and ranked by EV.

For each (player, market, line) the latest price of each book is kept; the best over and the
best under price across books are the prices a bettor can take, and the books' de-vigged
consensus is the market the edge is measured against. Feature rows of every player on the date
are built in one call of the serving-input builder (`serving_inputs`, the path `/api/predict`
takes, injury report included), so a prop is priced the same on the board and by predict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import STATS, resolve_stat
from statmusepicks.data.db.models import PropLine
from statmusepicks.data.repositories.availability import ReportedStatus
from statmusepicks.evaluation.odds import american_to_decimal, devig
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.container import Container
from statmusepicks.services.explanations import DISCLAIMER
from statmusepicks.services.predictions import PredictionService, prediction_service
from statmusepicks.services.pricing import (
    BettingRules,
    Market,
    Offer,
    price_lines,
    status_document,
    with_status,
)
from statmusepicks.services.serving_inputs import (
    ServingTarget,
    histories_and_teams,
    player_statuses,
)


@dataclass(frozen=True)
class BoardQuery:
    """A board request: the date and optional stat, book and minimum edge filters.

    `as_of` prices only the snapshots captured by then (a replayed day serves the board it
    could have served at that moment); None reads every stored snapshot.
    """

    date: dt.date
    stat: str | None = None
    book: str | None = None
    min_edge: float | None = None
    as_of: dt.datetime | None = None

    def normalized(self) -> BoardQuery:
        stat = resolve_stat(self.stat).key if self.stat else None
        if self.min_edge is not None and not -1.0 <= self.min_edge <= 1.0:
            raise ValidationError("min_edge is a probability difference between -1 and 1.")
        book = self.book.lower() if self.book else None
        return BoardQuery(self.date, stat, book, self.min_edge, self.as_of)


def stored_lines(session: Session, query: BoardQuery) -> pd.DataFrame:
    """The latest two-sided price of each book for each (player, market, line) on the date."""
    statement = select(
        PropLine.player_id,
        PropLine.player_name,
        PropLine.market,
        PropLine.bookmaker,
        PropLine.line,
        PropLine.over_price,
        PropLine.under_price,
        PropLine.home_team,
        PropLine.away_team,
        PropLine.captured_at,
        PropLine.is_main_line,
    ).where(
        PropLine.game_date == query.date,
        PropLine.player_id.is_not(None),
        PropLine.over_price.is_not(None),
        PropLine.under_price.is_not(None),
    )
    if query.stat:
        statement = statement.where(PropLine.market == query.stat)
    if query.book:
        statement = statement.where(PropLine.bookmaker == query.book)
    if query.as_of is not None:
        statement = statement.where(PropLine.captured_at <= query.as_of)
    lines = pd.read_sql(statement, session.connection())
    lines = lines[lines["market"].isin(list(STATS))]
    return (
        lines.sort_values("captured_at")
        .drop_duplicates(["player_id", "market", "line", "bookmaker"], keep="last")
        .reset_index(drop=True)
    )


def board_targets(lines: pd.DataFrame, teams: dict[int, str], day: dt.date) -> list[ServingTarget]:
    """The game of each player with lines and a known team, venue and opponent from the lines
    (a book lists a prop only for a scheduled game, so its injury report is read)."""
    games = lines.drop_duplicates("player_id").set_index("player_id")
    targets = []
    for pid, team in teams.items():
        if not team:
            continue
        home, away = str(games.at[pid, "home_team"]), str(games.at[pid, "away_team"])
        is_home = team == home
        targets.append(ServingTarget(pid, day, team, away if is_home else home, is_home, True))
    return targets


def _feature_rows(
    service: PredictionService, session: Session, day: dt.date, lines: pd.DataFrame
) -> pd.DataFrame:
    """Feature rows of every player with lines that day, in player order.

    A player whose next game was built ahead (`PredictionFeatures.prepare_upcoming`) is a
    lookup: his row is the one held for the lines' game, home or away. The others' teams are
    read from their histories (as predict reads them) and their rows built in one call.
    """
    games = lines.drop_duplicates("player_id")
    targets: dict[int, ServingTarget] = {}
    unknown: list[int] = []
    for pid, home, away in zip(
        games["player_id"].astype(int), games["home_team"], games["away_team"], strict=True
    ):
        sides = (
            ServingTarget(pid, day, str(home), str(away), True, True),
            ServingTarget(pid, day, str(away), str(home), False, True),
        )
        held = next((side for side in sides if service.inputs.has(side)), None)
        if held is None:
            unknown.append(pid)
        else:
            targets[pid] = held
    if unknown:
        _, teams = histories_and_teams(session, dict.fromkeys(sorted(unknown), ""), day)
        targets.update((t.player_id, t) for t in board_targets(lines, teams, day))
    if not targets:
        return pd.DataFrame()
    return service.inputs.rows(session, [targets[pid] for pid in sorted(targets)])


def frame_statuses(
    session: Session, frame: pd.DataFrame, day: dt.date
) -> dict[int, ReportedStatus]:
    """The injury status of every player of a day's feature rows (their games are scheduled:
    books list props only for those), read as predict reads it (`player_statuses`)."""
    targets = [
        ServingTarget(int(pid), day, str(team), str(opp), bool(home), True)
        for pid, team, opp, home in zip(
            frame["player_id"], frame["team"], frame["opp"], frame["is_home"], strict=True
        )
    ]
    return player_statuses(session, targets)


def _day_frame(
    container: Container, session: Session, day: dt.date, lines: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Feature rows of every player with lines on the day, kept while the data and the day's
    players are unchanged (every filter of the board reads the same rows; a snapshot that
    brings new players' props builds them anew, or those props would go unpriced).

    `lines`: the day's stored lines when the caller has read them unfiltered already."""
    service = prediction_service(container)
    if lines is None:
        lines = stored_lines(session, BoardQuery(day))
    players = frozenset(int(pid) for pid in lines["player_id"])
    key = (day, service.inputs.data_stamp(session), players)
    frame = container.board_frames.get(key)
    if frame is None:
        frame = _feature_rows(service, session, day, lines)
        container.board_frames[key] = frame
    return frame


def _distributions(
    service: PredictionService, frame: pd.DataFrame, lines: pd.DataFrame
) -> dict[tuple[int, str], PropDistribution]:
    """Each (player, stat) priced once, one vectorised model call per stat (rows one by one
    when a row breaks the call, so one player without history loses only his own lines)."""
    found: dict[tuple[int, str], PropDistribution] = {}
    for market, group in lines.groupby("market"):
        ids = sorted(set(group["player_id"].astype(int)) & set(frame["player_id"].astype(int)))
        rows = frame[frame["player_id"].isin(ids)].reset_index(drop=True)
        priced: list[PropDistribution | None]
        try:
            priced = list(service.champions.get().predict(rows, str(market), explain=False))
        except Exception:
            priced = []
            for i in range(len(rows)):
                try:
                    priced.append(
                        service.champions.distribution(
                            rows.iloc[[i]], STATS[str(market)], int(rows["player_id"].iloc[i])
                        )
                    )
                except Exception:
                    priced.append(None)
        for pid, dist in zip(rows["player_id"].astype(int), priced, strict=True):
            if dist is not None:
                found[(int(pid), str(market))] = dist
    return found


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


def _ladders(offers: pd.DataFrame) -> Iterator[tuple[int, str, range]]:
    """Each (player, market) and the positions of its lines, in `line_offers` order."""
    player, market = offers["player_id"].to_numpy(), offers["market"].to_numpy()
    change = np.ones(len(offers), bool)
    change[1:] = (player[1:] != player[:-1]) | (market[1:] != market[:-1])
    starts = np.flatnonzero(change)
    for start, end in zip(starts, np.append(starts[1:], len(offers)), strict=True):
        yield int(player[start]), str(market[start]), range(int(start), int(end))


def _price_offers(
    columns: dict[str, list[Any]],
    ladders: list[tuple[int, str, str, int, range, PropDistribution]],
    predictor: Predictor,
    rules: BettingRules,
) -> dict[int, dict[str, Any]]:
    """The priced answer of every line of `ladders`, by its position in `line_offers`: one
    `price_lines` call per stat, at the best prices against the books' consensus."""
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
        answers.update((i, answer) for (i, _), answer in zip(lines, priced, strict=True))
    return answers


def board(container: Container, query: BoardQuery) -> dict[str, Any]:
    """Every stored line of the date priced, best prices across books, ranked by EV (cached)."""
    query = query.normalized()
    service = prediction_service(container)
    predictor = service.champions.get()
    key = (
        f"board:{query.date}:{query.stat}:{query.book}:{query.min_edge}:{query.as_of}:"
        f"{service.champions.stamp()}"
    )
    with container.sessions() as session:
        key += f":{service.inputs.data_stamp(session)}"
        cached = container.cache.get(key)
        if cached is not None:
            return dict(cached)
        lines = stored_lines(session, query)
        whole_day = query == BoardQuery(query.date)
        frame = (
            _day_frame(container, session, query.date, lines if whole_day else None)
            if len(lines)
            else None
        )
        statuses = frame_statuses(session, frame, query.date) if frame is not None else {}
    props: list[dict[str, Any]] = []
    players_out: dict[int, dict[str, Any]] = {}
    skipped = 0
    rules = BettingRules.from_settings(container.settings)
    if frame is not None and len(frame):
        index = {int(pid): i for i, pid in enumerate(frame["player_id"])}
        names = frame["player_name"].to_numpy()
        dists = _distributions(service, frame, lines)
        teams, opponents = frame["team"].astype(str).tolist(), frame["opp"].astype(str).tolist()
        offers = line_offers(lines)
        columns = offers.to_dict("list")
        priced: list[tuple[int, str, str, int, range, PropDistribution]] = []
        for pid, market, ladder in _ladders(offers):
            row = index.get(pid)
            dist = dists.get((pid, market))
            status = statuses.get(pid)
            listed = columns["player_name"][ladder[0]]
            name = str((names[row] if row is not None else None) or listed)
            if row is not None and status is not None and status.out:
                left_off = players_out.setdefault(
                    pid,
                    {
                        "player": name,
                        "player_id": pid,
                        "lines": 0,
                        "player_status": status_document(status),
                    },
                )
                left_off["lines"] += len(ladder)
            elif row is None or dist is None:
                skipped += len(ladder)
            else:
                priced.append((pid, market, name, row, ladder, dist))
        answers = _price_offers(columns, priced, predictor, rules)
        for pid, market, name, row, ladder, dist in priced:
            status = statuses.get(pid)
            for i in ladder:
                answer = with_status(answers[i], status)
                if query.min_edge is not None and answer["edge"] < query.min_edge:
                    continue
                props.append(
                    {
                        "player": name,
                        "player_id": pid,
                        "team": teams[row],
                        "opponent": opponents[row],
                        "stat": market,
                        "line": float(columns["line"][i]),
                        "main_line": bool(columns["main_line"][i]),
                        "best_over": {
                            "book": columns["over_book"][i],
                            "odds": int(columns["over_odds"][i]),
                        },
                        "best_under": {
                            "book": columns["under_book"][i],
                            "odds": int(columns["under_odds"][i]),
                        },
                        "books": columns["books"][i],
                        **answer,
                        "model_version": dist.model_version,
                        "model_scope": dist.scope,
                    }
                )
    props.sort(key=lambda p: p["expected_value"], reverse=True)
    result = {
        "date": query.date.isoformat(),
        "filters": {"stat": query.stat, "book": query.book, "min_edge": query.min_edge},
        "count": len(props),
        "unpriced": skipped,
        "players_out": list(players_out.values()),
        "props": props,
        "disclaimer": DISCLAIMER,
    }
    container.cache.set(key, result, container.settings.cache_ttl_predictions)
    return result
