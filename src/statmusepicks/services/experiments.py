"""A/B tests between the serving champion and a challenger model: start, stop, serve, log.

An experiment covers one stat. Both arms price every prop of that stat; which one is served is
decided by a stable hash of (API key, player, stat, game date), so a user sees one arm per prop
however often he asks, and about `share` of the props go to the challenger. The served arm is
recorded on the `predictions` row; the other arm's price goes to `shadow_predictions`, so the
evaluation (`services/ab_results.py`) compares the two on exactly the same props.

The challenger arm is the champion predictor with the challenger bundle in place of the model of
the same name (a player challenger adds its player models on top of the global champion). Props
of combos are served by the champion only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select

from statmusepicks.core.errors import NotFoundError, ValidationError
from statmusepicks.core.logging import get_logger
from statmusepicks.core.stats import resolve_stat
from statmusepicks.data.db.models_ab import Experiment
from statmusepicks.data.db.session import session_scope
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.predictor import Predictor
from statmusepicks.models.registry import ModelRegistry
from statmusepicks.services.container import Container

log = get_logger(__name__)

ArmName = Literal["champion", "challenger"]
CHAMPION_ARM: ArmName = "champion"
CHALLENGER_ARM: ArmName = "challenger"
RUNNING = "running"
# How often a serving process re-reads the running experiments (one small query).
REFRESH_SECONDS = 30.0
HASH_SPACE = float(2**64)


def challenger_share(api_key_id: int | None, player_id: int, stat: str, day: dt.date) -> float:
    """A uniform number in [0, 1) fixed by (API key, player, stat, date): the arm's coin."""
    text = f"{api_key_id or 0}|{player_id}|{stat}|{day.isoformat()}"
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") / HASH_SPACE


def assign_arm(
    api_key_id: int | None, player_id: int, stat: str, day: dt.date, share: float
) -> ArmName:
    """The arm serving this user this prop: the challenger for a `share` of the hash space."""
    coin = challenger_share(api_key_id, player_id, stat, day)
    return CHALLENGER_ARM if coin < share else CHAMPION_ARM


def parse_label(label: str) -> tuple[str, str]:
    """`smp-points-player:3` -> (`smp-points-player`, `3`)."""
    name, _, version = label.partition(":")
    if not name or not version.isdigit():
        raise ValidationError(
            f"{label!r} is not a model label: use NAME:VERSION, e.g. smp-points-player:3"
        )
    return name, version


def with_model(champion: Predictor, model: StatModel) -> Predictor:
    """The champion predictor with `model` in place of the model of the same name."""
    kept = [
        m
        for m in [*champion.global_models.values(), *champion.player_models.values()]
        if m.name != model.name
    ]
    return Predictor.from_models([*kept, model])


# ------------------------------------------------------------------------- use cases
def start_experiment(
    container: Container, *, stat: str, challenger: str, share: float, now: dt.datetime
) -> Experiment:
    """Start an A/B test of `challenger` (NAME:VERSION) on `stat`; one per stat at a time."""
    key = resolve_stat(stat).key
    name, version = parse_label(challenger)
    if not 0.0 < share < 1.0:
        raise ValidationError("share must be strictly between 0 and 1", details={"share": share})
    registry = ModelRegistry(container.settings, container.sessions)
    if version not in registry.versions(name):
        raise NotFoundError(
            f"{name} has no version {version}", details={"versions": registry.versions(name)}
        )
    model = registry.load(name, version)
    if model.stat != key:
        raise ValidationError(f"{challenger} prices {model.stat}, not {key}")
    with session_scope(container.sessions) as session:
        running = session.scalar(
            select(Experiment).where(Experiment.stat == key, Experiment.status == RUNNING)
        )
        if running is not None:
            raise ValidationError(
                f"experiment {running.id} already tests {running.challenger} on {key}",
                details={"experiment": running.id},
            )
        row = Experiment(
            stat=key, challenger=f"{name}:{version}", share=share, status=RUNNING, started_at=now
        )
        session.add(row)
        session.flush()
        session.expunge(row)
    return row


def stop_experiment(
    container: Container, *, stat: str, now: dt.datetime, status: str = "stopped"
) -> Experiment:
    """Stop the running experiment of `stat` (`status` says why: stopped or promoted)."""
    key = resolve_stat(stat).key
    with session_scope(container.sessions) as session:
        row = session.scalar(
            select(Experiment).where(Experiment.stat == key, Experiment.status == RUNNING)
        )
        if row is None:
            raise NotFoundError(f"no running experiment on {key}")
        row.status, row.stopped_at = status, now
        session.flush()
        session.expunge(row)
    return row


def experiments(container: Container, *, stat: str | None = None) -> list[Experiment]:
    """Experiments, newest first (of one stat when given)."""
    query = select(Experiment).order_by(Experiment.id.desc())
    if stat is not None:
        query = query.where(Experiment.stat == resolve_stat(stat).key)
    with container.sessions() as session:
        rows = list(session.scalars(query))
        session.expunge_all()
    return rows


# ------------------------------------------------------------------------- serving
@dataclass(frozen=True)
class Arm:
    """One arm of a running experiment and the predictor that prices for it."""

    name: ArmName
    predictor: Predictor


@dataclass(frozen=True)
class RunningExperiment:
    """A running experiment ready to serve: its id, split and both arms' predictors."""

    id: int
    stat: str
    share: float
    champion: Arm
    challenger: Arm

    def split(self, api_key_id: int | None, player_id: int, day: dt.date) -> tuple[Arm, Arm]:
        """(served arm, shadow arm) for this user and prop."""
        if assign_arm(api_key_id, player_id, self.stat, day, self.share) == CHALLENGER_ARM:
            return self.challenger, self.champion
        return self.champion, self.challenger


@dataclass
class ExperimentBook:
    """The running experiments of one serving process, re-read every REFRESH_SECONDS.

    Filled under a lock (concurrent requests build each challenger predictor once); a
    challenger is rebuilt when the champion predictor changes (a reload after a promotion).
    """

    refresh_seconds: float = REFRESH_SECONDS
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rows: list[Experiment] = field(default_factory=list)
    _checked: float = float("-inf")
    _built: dict[tuple[int, int], RunningExperiment] = field(default_factory=dict)
    _models: dict[str, StatModel] = field(default_factory=dict)

    def running(
        self, container: Container, champion: Predictor, stat: str
    ) -> RunningExperiment | None:
        """The experiment serving `stat` now, if any (None also when its model fails to load)."""
        with self._lock:
            now = time.monotonic()
            if now - self._checked > self.refresh_seconds:
                self._rows = _running_rows(container)
                self._checked = now
            row = next((r for r in self._rows if r.stat == stat), None)
            if row is None:
                return None
            key = (row.id, id(champion))
            found = self._built.get(key)
            if found is None:
                try:
                    model = self._model(container, row.challenger)
                except Exception as exc:  # a broken challenger must never stop serving
                    log.error("challenger failed to load", experiment=row.id, error=repr(exc))
                    return None
                found = RunningExperiment(
                    row.id,
                    row.stat,
                    row.share,
                    Arm(CHAMPION_ARM, champion),
                    Arm(CHALLENGER_ARM, with_model(champion, model)),
                )
                self._built = {k: v for k, v in self._built.items() if k[1] == id(champion)}
                self._built[key] = found
            return found

    def expire(self) -> None:
        """Re-read the experiments on the next request (one was started or stopped)."""
        with self._lock:
            self._checked = float("-inf")

    def _model(self, container: Container, label: str) -> StatModel:
        if label not in self._models:
            name, version = parse_label(label)
            registry = ModelRegistry(container.settings, container.sessions)
            self._models[label] = registry.load(name, version)
        return self._models[label]


def _running_rows(container: Container) -> list[Experiment]:
    with container.sessions() as session:
        rows = list(session.scalars(select(Experiment).where(Experiment.status == RUNNING)))
        session.expunge_all()
    return rows


def shadow_row(
    answer: Mapping[str, Any], experiment_id: int, arm: ArmName, api_key_id: int | None
) -> dict[str, Any]:
    """The `shadow_predictions` row of the arm that was not served."""
    return {
        "experiment_id": experiment_id,
        "arm": arm,
        "player_id": answer["player_id"],
        "stat": answer["stat"],
        "line": answer["line"],
        "game_date": dt.date.fromisoformat(answer["game_date"]),
        "predicted_value": answer["predicted_value"],
        "over_probability": answer["over_probability"],
        "under_probability": answer["under_probability"],
        "push_probability": answer["push_probability"],
        "model_version": str(answer["model_version"])[:100],
        "api_key_id": api_key_id,
    }
