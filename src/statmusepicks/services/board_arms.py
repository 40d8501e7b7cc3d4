"""The board under A/B tests: each user sees, per prop, the arm `/api/predict` serves him.

The board is priced once per query for everyone (one cache entry), with both arms for every
prop of a stat under a running experiment. Which arm a prop shows is chosen per request by the
experiment's own split (`RunningExperiment.split`, the assignment predict uses), so a key sees
the same price for a prop on the board and from predict. The edge filter and the EV ranking
come after that choice, since they depend on the arm served. Board views log nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from statmusepicks.core.stats import STATS
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.experiments import CHALLENGER_ARM, RunningExperiment
from statmusepicks.services.predictions import PredictionService

# The cached board's per-prop challenger fields (None: the prop is the champion's alone).
CHALLENGER_FIELDS = "challenger"

Trials = dict[str, RunningExperiment]


def running_trials(service: PredictionService, champion: Predictor, stat: str | None) -> Trials:
    """The running experiment of each stat the board shows (one stat, or all of them)."""
    found: Trials = {}
    for key in [stat] if stat else list(STATS):
        trial = service.experiments.running(service.container, champion, key)
        if trial is not None:
            found[key] = trial
    return found


def trials_stamp(service: PredictionService, trials: Trials) -> str:
    """The part of the board's cache key that changes when an experiment starts or stops."""
    return ",".join(
        f"{stat}={trial.id}/{service.champions.stamp(trial.challenger.predictor)}"
        for stat, trial in sorted(trials.items())
    )


def served_board(
    priced: Mapping[str, Any],
    trials: Trials,
    api_key_id: int | None,
    day: dt.date,
    min_edge: float | None,
) -> dict[str, Any]:
    """The board one key is served: each prop in its arm, filtered by edge, ranked by EV."""
    props = []
    for prop, challenger in zip(priced["props"], priced[CHALLENGER_FIELDS], strict=True):
        trial = trials.get(prop["stat"])
        if challenger is not None and trial is not None:
            served, _ = trial.split(api_key_id, int(prop["player_id"]), day)
            if served.name == CHALLENGER_ARM:
                prop = prop | challenger
        if min_edge is None or prop["edge"] >= min_edge:
            props.append(prop)
    props.sort(key=lambda p: p["expected_value"], reverse=True)
    head = {k: v for k, v in priced.items() if k not in ("props", CHALLENGER_FIELDS)}
    return head | {"count": len(props), "props": props}
