"""Use cases: evaluate an A/B test on the same props, and promote a challenger only if it won.

Every graded prop of an experiment has both arms' P(over): one from the served `predictions`
row, the other from `shadow_predictions` (or from another user's row served by the other arm).
Each prop counts once, at the first price each arm gave it; pushes and voids are left out, and
probabilities are taken without push, as in the track record. `evaluation/paired.py` gives the
mean Brier and log-loss differences with a bootstrap interval and an always-valid confidence
sequence.

`promote_if_better` promotes the challenger only when, on Brier, the bootstrap interval lies
above zero (challenger better) and the confidence sequence excludes zero (the sequential rule
allows stopping, so daily looks did not manufacture the win); it records a `model_decisions`
row either way, with the evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from statmusepicks.data.db.models import Prediction
from statmusepicks.data.db.models_ab import Experiment, ModelDecision, ShadowPrediction
from statmusepicks.data.db.session import session_scope
from statmusepicks.evaluation.paired import PairedResult, paired_comparison
from statmusepicks.models.registry import ModelRegistry
from statmusepicks.services.container import Container
from statmusepicks.services.experiments import (
    CHALLENGER_ARM,
    CHAMPION_ARM,
    RUNNING,
    parse_label,
)

PROP = ["player_id", "stat", "line", "game_date"]
# The confidence sequence is tuned to be tightest near this many graded props (about two
# weeks of one stat's served props at today's traffic).
PLANNED_PROPS = 2000


@dataclass(frozen=True)
class ExperimentResult:
    """An experiment's paired comparison on its graded props."""

    experiment_id: int
    stat: str
    challenger: str
    status: str
    props: int
    brier: PairedResult
    log_loss: PairedResult

    @property
    def may_stop(self) -> bool:
        """The sequential rule: the Brier confidence sequence excludes zero."""
        return self.brier.may_stop

    @property
    def challenger_wins(self) -> bool:
        """Bootstrap interval above zero and the sequence excluding zero, both on Brier."""
        return self.brier.challenger_better and self.brier.may_stop

    def evidence(self) -> dict[str, Any]:
        """A JSON-ready summary (recorded with a decision)."""
        return {
            "experiment_id": self.experiment_id,
            "challenger": self.challenger,
            "props": self.props,
            "brier": asdict(self.brier),
            "log_loss": asdict(self.log_loss),
        }


def _arm_rows(
    connection: Connection,
    model: type[Prediction] | type[ShadowPrediction],
    experiment_id: int,
    *extra: Any,
) -> pd.DataFrame:
    """An experiment's served or shadow rows in id order: arm, prop and both probabilities."""
    query = select(
        model.id,
        model.arm,
        *[getattr(model, c) for c in PROP],
        model.over_probability,
        model.under_probability,
        *extra,
    )
    return pd.read_sql(
        query.where(model.experiment_id == experiment_id).order_by(model.id), connection
    )


def paired_props(container: Container, experiment_id: int) -> pd.DataFrame:
    """One row per graded prop (over or under): outcome and each arm's P(over | no push)."""
    with container.sessions() as session:
        connection = session.connection()
        served = _arm_rows(connection, Prediction, experiment_id, Prediction.result)
        shadows = _arm_rows(connection, ShadowPrediction, experiment_id)
    columns = ["outcome", CHAMPION_ARM, CHALLENGER_ARM]
    outcomes = served[served["result"].isin(["over", "under"])].drop_duplicates(PROP)
    if outcomes.empty:
        return pd.DataFrame(columns=[*PROP, *columns])
    priced = pd.concat([served.assign(order=0), shadows.assign(order=1)], ignore_index=True)
    priced["p"] = priced["over_probability"] / (
        priced["over_probability"] + priced["under_probability"]
    )
    first = priced.sort_values(["order", "id"]).drop_duplicates([*PROP, "arm"])
    arms = first.pivot_table(index=PROP, columns="arm", values="p", aggfunc="first")
    joined = outcomes.set_index(PROP)[["result"]].join(arms, how="inner")
    joined["outcome"] = (joined["result"] == "over").astype(float)
    for arm in (CHAMPION_ARM, CHALLENGER_ARM):
        if arm not in joined:
            joined[arm] = float("nan")
    return joined[columns].dropna().reset_index()


def evaluate_experiment(container: Container, experiment: Experiment) -> ExperimentResult:
    """Paired Brier and log-loss comparison of an experiment's arms on its graded props."""
    pairs = paired_props(container, experiment.id)
    scores = {
        metric: paired_comparison(
            pairs["outcome"],
            pairs[CHAMPION_ARM],
            pairs[CHALLENGER_ARM],
            metric=metric,
            planned=PLANNED_PROPS,
        )
        for metric in ("brier", "log_loss")
    }
    return ExperimentResult(
        experiment.id,
        experiment.stat,
        experiment.challenger,
        experiment.status,
        len(pairs),
        scores["brier"],
        scores["log_loss"],
    )


@dataclass(frozen=True)
class Decision:
    """What `promote_if_better` decided, and why."""

    name: str
    version: str
    promoted: bool
    reason: str
    result: ExperimentResult | None


def _reason(result: ExperimentResult) -> str:
    brier = result.brier
    figures = (
        f"on {result.props} paired props, challenger Brier {brier.challenger:.4f} vs champion "
        f"{brier.champion:.4f} (difference {brier.difference:+.4f}, 95 % bootstrap interval "
        f"{_interval(brier.ci95)}, confidence sequence {_interval(brier.sequence)})"
    )
    if result.challenger_wins:
        return f"promoted: better {figures}"
    if not brier.challenger_better:
        return (
            "kept the champion: the bootstrap interval does not exclude zero in the "
            f"challenger's favour {figures}"
        )
    return f"kept the champion: the confidence sequence still includes zero {figures}"


def _interval(bounds: tuple[float, float] | None) -> str:
    return "n/a" if bounds is None else f"{bounds[0]:+.4f} .. {bounds[1]:+.4f}"


def latest_experiment(container: Container, label: str) -> Experiment | None:
    """The newest experiment of a challenger label (NAME:VERSION)."""
    with container.sessions() as session:
        row = session.scalar(
            select(Experiment)
            .where(Experiment.challenger == label)
            .order_by(Experiment.id.desc())
            .limit(1)
        )
        if row is not None:
            session.expunge(row)
    return row


def promote_if_better(
    container: Container, name: str, version: str, *, now: dt.datetime
) -> Decision:
    """Promote `name:version` only if its A/B test shows it better; record the decision."""
    label = f"{name}:{version}"
    parse_label(label)
    experiment = latest_experiment(container, label)
    result = None if experiment is None else evaluate_experiment(container, experiment)
    if result is None:
        decision = Decision(
            name, version, False, f"kept the champion: {label} has no A/B test", None
        )
    else:
        decision = Decision(name, version, result.challenger_wins, _reason(result), result)
    if decision.promoted:
        ModelRegistry(container.settings, container.sessions).promote(name, version)
    with session_scope(container.sessions) as session:
        if decision.promoted and experiment is not None and experiment.status == RUNNING:
            row = session.get(Experiment, experiment.id)
            if row is not None:
                row.status, row.stopped_at = "promoted", now
        session.add(
            ModelDecision(
                decided_at=now,
                name=name,
                version=version,
                experiment_id=None if experiment is None else experiment.id,
                promoted=decision.promoted,
                reason=decision.reason,
                evidence={} if result is None else _json_ready(result.evidence()),
            )
        )
    return decision


def _json_ready(value: Any) -> Any:
    """NaN (an empty experiment's means) is not JSON: it is stored as null."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value
