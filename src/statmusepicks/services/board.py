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
from statmusepicks.services.container import Container
from statmusepicks.services.explanations import DISCLAIMER
from statmusepicks.services.predictions import PredictionService, prediction_service
from statmusepicks.services.pricing import (
    BettingRules,
    Market,
    Offer,
    price_prop,
    status_document,
    with_status,
)
from statmusepicks.services.serving_inputs import (
    ServingTarget,
    assemble_inputs,
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
    """Feature rows of every player with lines that day (one vectorised frame build)."""
    ids = sorted({int(pid) for pid in lines["player_id"]})
    history, teams = histories_and_teams(session, dict.fromkeys(ids, ""), day)
    targets = board_targets(lines, teams, day)
    if not targets:
        return pd.DataFrame()
    inputs = assemble_inputs(session, history, targets, before=day)
    return inputs.feature_frame(service.inputs.team_games(session))


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


def _day_frame(container: Container, session: Session, day: dt.date) -> pd.DataFrame:
    """Feature rows of every player with lines on the day, kept while the data is unchanged
    (every filter of the board reads the same rows)."""
    service = prediction_service(container)
    key = (day, service.inputs.data_as_of(session))
    frame = container.board_frames.get(key)
    if frame is None:
        frame = _feature_rows(service, session, day, stored_lines(session, BoardQuery(day)))
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
            priced = list(service.champions.get().predict(rows, str(market)))
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
        key += f":{service.inputs.data_as_of(session)}"
        cached = container.cache.get(key)
        if cached is not None:
            return dict(cached)
        lines = stored_lines(session, query)
        frame = _day_frame(container, session, query.date) if len(lines) else None
        statuses = frame_statuses(session, frame, query.date) if frame is not None else {}
    props: list[dict[str, Any]] = []
    players_out: dict[int, dict[str, Any]] = {}
    skipped = 0
    rules = BettingRules.from_settings(container.settings)
    if frame is not None and len(frame):
        index = {int(pid): i for i, pid in enumerate(frame["player_id"])}
        dists = _distributions(service, frame, lines)
        for (pid, market), group in lines.groupby(["player_id", "market"]):
            row = index.get(int(pid))
            dist = dists.get((int(pid), str(market)))
            status = statuses.get(int(pid))
            if row is not None and status is not None and status.out:
                left_off = players_out.setdefault(
                    int(pid),
                    {
                        "player": str(
                            frame["player_name"].iloc[row] or group["player_name"].iloc[0]
                        ),
                        "player_id": int(pid),
                        "lines": 0,
                        "player_status": status_document(status),
                    },
                )
                left_off["lines"] += group["line"].nunique()
                continue
            if row is None or dist is None:
                skipped += group["line"].nunique()
                continue
            spec = STATS[str(market)]
            for line, rungs in group.groupby("line"):
                over_best = rungs.iloc[int(american_to_decimal(rungs["over_price"]).argmax())]
                under_best = rungs.iloc[int(american_to_decimal(rungs["under_price"]).argmax())]
                consensus = float(np.mean(devig(rungs["over_price"], rungs["under_price"])))
                offer = Offer(
                    float(line), float(over_best["over_price"]), float(under_best["under_price"])
                )
                market = Market(consensus, len(rungs), "stored_lines")
                priced = with_status(
                    price_prop(dist, spec, offer, market, predictor, rules), status
                )
                if query.min_edge is not None and priced["edge"] < query.min_edge:
                    continue
                props.append(
                    {
                        "player": str(
                            frame["player_name"].iloc[row] or rungs["player_name"].iloc[0]
                        ),
                        "player_id": int(pid),
                        "team": str(frame["team"].iloc[row]),
                        "opponent": str(frame["opp"].iloc[row]),
                        "stat": spec.key,
                        "line": float(line),
                        "main_line": bool(rungs["is_main_line"].any()),
                        "best_over": {
                            "book": str(over_best["bookmaker"]),
                            "odds": int(over_best["over_price"]),
                        },
                        "best_under": {
                            "book": str(under_best["bookmaker"]),
                            "odds": int(under_best["under_price"]),
                        },
                        "books": sorted(rungs["bookmaker"].astype(str)),
                        **priced,
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
