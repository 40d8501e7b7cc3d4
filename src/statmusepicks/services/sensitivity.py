"""Use case: which of a day's lines move most if an uncertain teammate's status flips.

For every team with lines on the date, each teammate whose latest injury report (as of the
game's cut-off) says questionable, day-to-day or doubtful is flipped: a questionable one is
priced as sitting, a doubtful one (serving already counts him out) as playing. Every line of
his teammates is priced under both rosters with the what-if's code path (`whatif.scenario_rows`)
and the lines are ranked by how far the model's P(over) moves (before calibration, whose
isotonic steps would hide small moves).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from statmusepicks.core.stats import STATS
from statmusepicks.data.repositories.availability import (
    ABSENT_STATUSES,
    UNCERTAIN_STATUSES,
    latest_statuses,
    report_cutoff,
)
from statmusepicks.features.inputs import TeamGames
from statmusepicks.models.predictor import COLUMN_STAT, Predictor
from statmusepicks.services.board import BoardQuery, board_targets, stored_lines
from statmusepicks.services.container import Container
from statmusepicks.services.predictions import prediction_service
from statmusepicks.services.serving_inputs import (
    AssembledInputs,
    assemble_inputs,
    histories_and_teams,
)
from statmusepicks.services.whatif import override_absences, scenario_rows

DEFAULT_LIMIT = 50


def _main_lines(lines: pd.DataFrame, predictor: Predictor) -> pd.DataFrame:
    """One line per player and stat (the books' most common main line) for the served stats."""
    main = lines[lines["is_main_line"].fillna(True).astype(bool)] if len(lines) else lines
    priced = [s for s in main["market"].unique() if _priceable(predictor, str(s))]
    main = main[main["market"].isin(priced)]
    counts = main.groupby(["player_id", "market", "line"]).size().rename("books").reset_index()
    counts = counts.sort_values(["player_id", "market", "books", "line"], ascending=[1, 1, 0, 1])
    return counts.drop_duplicates(["player_id", "market"]).reset_index(drop=True)


def _priceable(predictor: Predictor, stat: str) -> bool:
    """The champions hold a global model of every component of the stat."""
    return all(COLUMN_STAT[c] in predictor.global_models for c in STATS[stat].columns)


def _uncertain(
    session: Session, assembled: AssembledInputs, team: str, day: dt.date
) -> dict[int, str]:
    """Teammates of `team` whose report as of the game's cut-off leaves them uncertain."""
    logs = assembled.logs
    ids = logs.loc[logs["team"] == team, "player_id"].astype(int).unique().tolist()
    statuses = latest_statuses(session, ids, report_cutoff(session, team, day))
    return {pid: s.status for pid, s in statuses.items() if s.status in UNCERTAIN_STATUSES}


def _over(frame: pd.DataFrame, predictor: Predictor, stat: str, lines: pd.Series) -> list[float]:
    dists = predictor.predict(frame, stat)
    return [d.prob_over_no_push(float(line)) for d, line in zip(dists, lines, strict=True)]


def _team_moves(
    assembled: AssembledInputs,
    teams: TeamGames,
    predictor: Predictor,
    lines: pd.DataFrame,
    flips: dict[int, str],
    day: dt.date,
) -> list[dict[str, Any]]:
    """Every line of one team's players under the base roster and each flipped teammate."""
    team = str(assembled.targets.at[0, "team"])
    base = scenario_rows(assembled, teams, assembled.absences)
    names = dict(zip(assembled.logs["player_id"], assembled.logs["player_name"], strict=False))
    position = {int(pid): i for i, pid in enumerate(assembled.targets["player_id"])}
    found = []
    for teammate, status in flips.items():
        sits = status not in ABSENT_STATUSES
        changed = override_absences(
            assembled.absences,
            team,
            day,
            sit=[teammate] if sits else [],
            play=[] if sits else [teammate],
        )
        flipped = scenario_rows(assembled, teams, changed)
        for stat, group in lines.groupby("market"):
            group = group[group["player_id"].isin(position) & (group["player_id"] != teammate)]
            if group.empty:
                continue
            at = [position[int(pid)] for pid in group["player_id"]]
            before = _over(base.frame.iloc[at], predictor, str(stat), group["line"])
            after = _over(flipped.frame.iloc[at], predictor, str(stat), group["line"])
            for k, (pid, line) in enumerate(zip(group["player_id"], group["line"], strict=True)):
                found.append(
                    {
                        "player": str(names.get(pid, pid)),
                        "player_id": int(pid),
                        "team": team,
                        "stat": str(stat),
                        "line": float(line),
                        "teammate": {
                            "player_id": teammate,
                            "name": str(names.get(teammate, teammate)),
                        },
                        "teammate_status": status,
                        "scenario": "sits" if sits else "plays",
                        "base_over_probability": round(before[k], 4),
                        "whatif_over_probability": round(after[k], 4),
                        "change": round(after[k] - before[k], 4),
                        "base_minutes": round(float(base.minutes["minutes"].iloc[at[k]]), 1),
                        "whatif_minutes": round(float(flipped.minutes["minutes"].iloc[at[k]]), 1),
                    }
                )
    return found


def line_sensitivity(
    container: Container, day: dt.date, *, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    """The day's lines ranked by |change in P(over)| when an uncertain teammate flips."""
    service = prediction_service(container)
    predictor = service.champions.get()
    moves: list[dict[str, Any]] = []
    uncertain = 0
    with container.sessions() as session:
        lines = _main_lines(stored_lines(session, BoardQuery(day)), predictor)
        if lines.empty:
            return {"date": day, "uncertain_teammates": 0, "lines": []}
        listed = dict.fromkeys(sorted(int(pid) for pid in lines["player_id"].unique()), "")
        history, player_teams = histories_and_teams(session, listed, day)
        raw = stored_lines(session, BoardQuery(day))
        teams = service.inputs.team_games(session)
        by_team: dict[str, list[int]] = {}
        for pid, team in player_teams.items():
            if team:
                by_team.setdefault(team, []).append(pid)
        for team, ids in sorted(by_team.items()):
            targets = board_targets(raw[raw["player_id"].isin(ids)], dict.fromkeys(ids, team), day)
            assembled = assemble_inputs(session, history, targets, before=day)
            flips = _uncertain(session, assembled, team, day)
            uncertain += len(flips)
            if flips:
                mine = lines[lines["player_id"].isin(ids)]
                moves += _team_moves(assembled, teams, predictor, mine, flips, day)
    moves.sort(key=lambda move: -abs(move["change"]))
    return {"date": day, "uncertain_teammates": uncertain, "lines": moves[:limit]}
