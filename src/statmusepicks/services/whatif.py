"""Use case: price a prop as if given teammates sit (or return).

The what-if changes one input only: the teammates listed absent for the game (`absences`, which
serving reads from the injury report as of the game's cut-off). Both the base and the what-if
row come from the one feature code path (`serving_inputs` -> `build_feature_frame`), so the
difference is exactly what the absence moves: the teammates-out features, the minutes
projection and, through them, the champion model's distribution. A teammate counts only if he
is in the team's rotation (`features.advanced.teammates_out`); the response reports how many
rotation teammates each scenario has out, so a no-change answer explains itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from statmusepicks.core.errors import NotFoundError, ValidationError
from statmusepicks.core.stats import StatSpec
from statmusepicks.data.repositories import players as repo
from statmusepicks.data.repositories.text_signals import signals_before
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.features.inputs import TeamGames, prepare_inputs
from statmusepicks.features.minutes import project_minutes, restrict_minutes
from statmusepicks.features.text_signals import game_day_start, signal_features
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.container import Container
from statmusepicks.services.prediction_request import PredictionRequest, validate_request
from statmusepicks.services.predictions import prediction_service
from statmusepicks.services.serving_inputs import AssembledInputs, serving_inputs
from statmusepicks.services.whatif_models import (
    MinutesProjection,
    Scenario,
    TeammateRef,
    WhatIfRequest,
)

ABSENCE_COLUMNS = ["player_id", "team", "game_date"]


@dataclass(frozen=True)
class ScenarioRows:
    """The feature rows and minutes projection of some targets under one set of absences."""

    frame: pd.DataFrame
    minutes: pd.DataFrame
    absent: frozenset[int]


def scenario_rows(
    assembled: AssembledInputs,
    teams: TeamGames,
    absences: pd.DataFrame | None,
    minutes_cap: np.ndarray | None = None,
) -> ScenarioRows:
    """Feature rows and projected minutes of `assembled.targets` with these absences (and a
    reported minutes restriction per target, NaN for none)."""
    frame = build_feature_frame(assembled.logs, teams, assembled.targets, absences=absences)
    inputs = prepare_inputs(assembled.logs, teams, assembled.targets, absences)
    minutes = project_minutes(inputs)
    if minutes_cap is not None:
        minutes = restrict_minutes(minutes, minutes_cap)
    absent = frozenset() if absences is None else frozenset(absences["player_id"].astype(int))
    return ScenarioRows(frame, minutes, absent)


def minutes_caps(session: Session, targets: pd.DataFrame) -> np.ndarray:
    """Each target's reported minutes restriction (text signals seen before its game day)."""
    ids = [int(pid) for pid in targets["player_id"]]
    # One time unit on both sides: merge_asof refuses seconds against microseconds.
    days = pd.to_datetime(targets["game_date"]).astype("datetime64[ns]")
    signals = signals_before(session, ids, game_day_start(days).max().to_pydatetime())
    signals["observed_at"] = signals["observed_at"].astype("datetime64[ns, UTC]")
    keyed = pd.DataFrame({"player_id": targets["player_id"], "game_date": days})
    return signal_features(keyed, signals)["f_sig_minutes_cap"].to_numpy(float)


def override_absences(
    absences: pd.DataFrame | None,
    team: str,
    day: dt.date,
    *,
    sit: Iterable[int] = (),
    play: Iterable[int] = (),
) -> pd.DataFrame:
    """The reported absences of one team's game with `sit` added and `play` removed."""
    listed = pd.DataFrame(columns=ABSENCE_COLUMNS) if absences is None else absences
    day_key = pd.Timestamp(day)
    same_game = (listed["team"] == team) & (pd.to_datetime(listed["game_date"]) == day_key)
    kept = set(listed.loc[same_game, "player_id"].astype(int))
    kept = (kept | set(sit)) - set(play)
    others = listed.loc[~same_game, ABSENCE_COLUMNS]
    chosen = pd.DataFrame({"player_id": sorted(kept), "team": team, "game_date": day})
    return pd.concat([others, chosen], ignore_index=True).astype({"player_id": "int64"})


def _teammates(
    session: Session, names: Sequence[str], team: str, player_id: int
) -> list[repo.PlayerRef]:
    """Resolve each named teammate; 422 for an unknown name, the player himself or another
    team's player."""
    found = []
    for name in names:
        try:
            ref = repo.resolve_player(session, name)
        except NotFoundError as exc:
            raise ValidationError(
                f"Unknown teammate {name!r}.", details={"teammate": name}
            ) from exc
        if ref.player_id == player_id:
            raise ValidationError(
                "List teammates only, not the priced player.", details={"teammate": name}
            )
        if ref.team != team:
            raise ValidationError(
                f"{ref.name} is not a teammate: he plays for {ref.team or 'no team'}, not {team}.",
                details={"teammate": name, "team": ref.team, "expected_team": team},
            )
        found.append(ref)
    return found


def _scenario(
    rows: ScenarioRows,
    spec: StatSpec,
    line: float,
    player_id: int,
    predictor: Predictor,
    names: dict[int, str],
) -> tuple[Scenario, str]:
    """The prop priced under one scenario, and the version of the model that priced it."""
    dist = predictor.predict(rows.frame, spec.key, player_id=player_id)[0]
    raw = dist.prob_over_no_push(line)
    minutes = rows.minutes.iloc[0]
    out = rows.frame.iloc[0]
    scenario = Scenario(
        model_over_probability=round(raw, 4),
        over_probability=round(float(predictor.calibrate([raw], spec.key)[0]), 4),
        push_probability=round(dist.prob_push(line), 4),
        mean=round(dist.mean, 3),
        minutes=MinutesProjection.from_row(minutes),
        absent=[
            TeammateRef(player_id=pid, name=names.get(pid, str(pid))) for pid in sorted(rows.absent)
        ],
        rotation_out=int(out["f_teammates_out"]),
        rotation_minutes_out=round(float(out["f_teammates_out_min"]), 1),
    )
    return scenario, dist.model_version


def what_if(container: Container, request: WhatIfRequest) -> dict[str, object]:
    """Base and what-if prices of one prop (the champion models, the player's next game by
    default, teammates' absences from the injury report then overridden)."""
    prediction = PredictionRequest(
        player=request.player,
        stat=request.stat,
        line=request.line,
        date=request.date,
        opponent=request.opponent,
    )
    spec = validate_request(prediction)
    service = prediction_service(container)
    predictor = service.champions.get()
    with container.sessions() as session:
        player = service.resolve(session, prediction.player_query)
        as_of = service.inputs.data_as_of(session)
        target = service.inputs.target_game(session, player, prediction, as_of)
        assembled = serving_inputs(session, [target])
        team = str(assembled.targets.at[0, "team"])
        sit = _teammates(session, [str(p) for p in request.sit], team, player.player_id)
        play = _teammates(session, [str(p) for p in request.play], team, player.player_id)
        teams = service.inputs.team_games(session)
        cap = minutes_caps(session, assembled.targets)
        base = scenario_rows(assembled, teams, assembled.absences, cap)
        changed = override_absences(
            assembled.absences,
            team,
            target.game_date,
            sit=[p.player_id for p in sit],
            play=[p.player_id for p in play],
        )
        whatif = scenario_rows(assembled, teams, changed, cap)
        logs = assembled.logs
        names = dict(
            zip(logs["player_id"].astype(int), logs["player_name"].astype(str), strict=True)
        )
        names |= {ref.player_id: ref.name for ref in (*sit, *play)}
    before, version = _scenario(base, spec, request.line, player.player_id, predictor, names)
    after, _ = _scenario(whatif, spec, request.line, player.player_id, predictor, names)
    return {
        "player": player.name,
        "player_id": player.player_id,
        "team": team,
        "stat": spec.key,
        "line": request.line,
        "game_date": target.game_date,
        "opponent": target.opponent,
        "scheduled": target.scheduled,
        "sit": [TeammateRef(player_id=p.player_id, name=p.name) for p in sit],
        "play": [TeammateRef(player_id=p.player_id, name=p.name) for p in play],
        "base": before,
        "whatif": after,
        "over_probability_change": round(after.over_probability - before.over_probability, 4),
        "minutes_change": round(after.minutes.minutes - before.minutes.minutes, 2),
        "minutes_cap": None if np.isnan(cap[0]) else float(cap[0]),
        "model_version": version,
        "data_as_of": as_of,
    }
