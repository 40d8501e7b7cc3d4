"""Use case: the props board. Every stored prop line of a date, priced and ranked by EV.

For each (player, market, line) the latest price of each book is kept; the best over and the
best under price across books are the prices a bettor can take, and the books' de-vigged
consensus is the market the edge is measured against. Feature rows of every player on the date
are built in one call of the serving-input builder (`serving_inputs`, the path `/api/predict`
takes, injury report included), so a prop is priced the same on the board and by predict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import STATS, resolve_stat
from statmusepicks.data.db.models import PropLine
from statmusepicks.data.repositories.availability import ReportedStatus
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.board_arms import (
    CHALLENGER_FIELDS,
    Trials,
    running_trials,
    served_board,
    trials_stamp,
)
from statmusepicks.services.board_offers import ladders, line_offers, price_offers
from statmusepicks.services.container import Container
from statmusepicks.services.explanations import DISCLAIMER
from statmusepicks.services.predictions import PredictionService, prediction_service
from statmusepicks.services.pricing import (
    BettingRules,
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
    service: PredictionService, frame: pd.DataFrame, lines: pd.DataFrame, predictor: Predictor
) -> dict[tuple[int, str], PropDistribution]:
    """Each (player, stat) priced once by `predictor`, one vectorised model call per stat (rows
    one by one when a row breaks the call, so one player without history loses only his own
    lines)."""
    found: dict[tuple[int, str], PropDistribution] = {}
    for market, group in lines.groupby("market"):
        ids = sorted(set(group["player_id"].astype(int)) & set(frame["player_id"].astype(int)))
        rows = frame[frame["player_id"].isin(ids)].reset_index(drop=True)
        priced: list[PropDistribution | None]
        try:
            priced = list(predictor.predict(rows, str(market), explain=False))
        except Exception:
            priced = []
            for i in range(len(rows)):
                try:
                    priced.append(
                        service.champions.distribution(
                            rows.iloc[[i]],
                            STATS[str(market)],
                            int(rows["player_id"].iloc[i]),
                            predictor,
                        )
                    )
                except Exception:
                    priced.append(None)
        for pid, dist in zip(rows["player_id"].astype(int), priced, strict=True):
            if dist is not None:
                found[(int(pid), str(market))] = dist
    return found


def board(
    container: Container, query: BoardQuery, *, api_key_id: int | None = None
) -> dict[str, Any]:
    """Every stored line of the date priced, best prices across books, ranked by EV (cached).

    Under an A/B test each prop shows the arm this key is served by predict (`board_arms`);
    no key (a job) gets the arm predict serves a request without one."""
    query = query.normalized()
    service = prediction_service(container)
    predictor = service.champions.get()
    trials = running_trials(service, predictor, query.stat)
    key = (
        f"board:{query.date}:{query.stat}:{query.book}:{query.as_of}:"
        f"{service.champions.stamp()}:{trials_stamp(service, trials)}"
    )
    with container.sessions() as session:
        key += f":{service.inputs.data_stamp(session)}"
        priced = container.cache.get(key)
        if priced is None:
            priced = _priced_board(container, session, service, query, predictor, trials)
            container.cache.set(key, priced, container.settings.cache_ttl_predictions)
    served = served_board(priced, trials, api_key_id, query.date, query.min_edge)
    return served | {
        "filters": {"stat": query.stat, "book": query.book, "min_edge": query.min_edge}
    }


def _priced_board(
    container: Container,
    session: Session,
    service: PredictionService,
    query: BoardQuery,
    predictor: Predictor,
    trials: Trials,
) -> dict[str, Any]:
    """Every prop of the query priced by the champion `predictor` and, for a stat under an
    experiment, by the challenger too (its fields beside the prop, in `CHALLENGER_FIELDS`),
    before any edge filter or ranking."""
    lines = stored_lines(session, query)
    whole_day = query == BoardQuery(query.date)
    frame = (
        _day_frame(container, session, query.date, lines if whole_day else None)
        if len(lines)
        else None
    )
    statuses = frame_statuses(session, frame, query.date) if frame is not None else {}
    props: list[dict[str, Any]] = []
    challengers: list[dict[str, Any] | None] = []
    players_out: dict[int, dict[str, Any]] = {}
    skipped = 0
    rules = BettingRules.from_settings(container.settings)
    if frame is not None and len(frame):
        index = {int(pid): i for i, pid in enumerate(frame["player_id"])}
        names = frame["player_name"].to_numpy()
        dists = _distributions(service, frame, lines, predictor)
        teams, opponents = frame["team"].astype(str).tolist(), frame["opp"].astype(str).tolist()
        offers = line_offers(lines)
        columns = offers.to_dict("list")
        priced: list[tuple[int, str, str, int, range, PropDistribution]] = []
        for pid, market, ladder in ladders(offers):
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
        answers = price_offers(columns, priced, predictor, rules)
        challenged: dict[int, dict[str, Any]] = {}
        for stat, trial in trials.items():
            arm = trial.challenger.predictor
            found = _distributions(service, frame, lines[lines["market"] == stat], arm)
            tried = [(*p[:5], found[p[0], p[1]]) for p in priced if (p[0], p[1]) in found]
            challenged |= price_offers(columns, tried, arm, rules)
        for pid, market, name, row, ladder, _ in priced:
            status = statuses.get(pid)
            for i in ladder:
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
                        **with_status(answers[i], status),
                    }
                )
                other = challenged.get(i)
                challengers.append(with_status(other, status) if other is not None else None)
    return {
        "date": query.date.isoformat(),
        "unpriced": skipped,
        "players_out": list(players_out.values()),
        "props": props,
        CHALLENGER_FIELDS: challengers,
        "disclaimer": DISCLAIMER,
    }
