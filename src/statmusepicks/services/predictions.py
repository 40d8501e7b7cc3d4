"""Use case: price one prop (player, stat, line, prices) with the champion models.

The answer (`PredictionResponse`) holds the predictive mean, P(over/under/push), fair odds, the
expected value per unit at the offered prices, the edge against the de-vigged market, a
quarter-Kelly stake, a recommendation, the model's scope and version and its three largest
feature effects. The pieces live in their own modules: the request (`prediction_request`),
the maths (`pricing`), the wording (`explanations`), the log (`prediction_log`), the
champion models and their reloads (`champions`) and the cached feature rows
(`prediction_features`, built by `serving_inputs`, shared with the board and the player context).

Hot path: the predictor is loaded once per process; the player's name resolution, the data
stamp, the feature rows and the distributions are held in memory, and the whole answer is
cached (1 h) under a key holding everything that changes it (prices, date, opponent, model
versions, the data stamp: a sync the worker runs reaches this process's answers and rows within
`STAMP_SECONDS`).
Served predictions are appended to `predictions` by a background writer, off the request path.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import InitVar, dataclass, field
from typing import Any

from cachetools import TTLCache
from sqlalchemy.orm import Session

from statmusepicks.core.errors import (
    ModelNotAvailableError,
    NotFoundError,
    PayloadTooLargeError,
    StatMusePicksError,
)
from statmusepicks.core.logging import get_logger
from statmusepicks.core.stats import StatSpec, normalize_name
from statmusepicks.data.db.models_ab import ShadowPrediction
from statmusepicks.data.repositories import players as repo
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.cache_invalidation import invalidate_predictions
from statmusepicks.services.champions import ChampionModels
from statmusepicks.services.container import Container
from statmusepicks.services.experiments import ExperimentBook, RunningExperiment, shadow_row
from statmusepicks.services.explanations import DISCLAIMER, explain
from statmusepicks.services.prediction_features import (
    FEATURE_CACHE_SECONDS,
    FEATURE_CACHE_SIZE,
    STAMP_SECONDS,
    PredictionFeatures,
)
from statmusepicks.services.prediction_log import PredictionRecorder, log_row
from statmusepicks.services.prediction_request import (
    MAX_BATCH,
    PredictionRequest,
    parse_item,
    validate_request,
)
from statmusepicks.services.pricing import (
    BettingRules,
    Market,
    MarketKey,
    Offer,
    market_probabilities,
    market_probability,
    price_prop,
    refuse_if_out,
    with_status,
)
from statmusepicks.services.serving_inputs import ServingTarget

log = get_logger(__name__)

BATCH_WORKERS = 4
NAME_CACHE_SECONDS = 3600.0
# Frontend payloads are logged with the request but never echoed in a batch error item.
UNECHOED = ("player_data", "opponent_data")


@dataclass
class PredictionService:
    """Long-lived state of the prediction use case (one per process): the champion models
    (`champions`), the feature rows (`inputs`), and the distributions and names they give."""

    container: Container
    predictor: InitVar[Predictor | None] = None
    champions: ChampionModels = field(init=False)
    inputs: PredictionFeatures = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _names: TTLCache[str, repo.PlayerRef] = field(
        default_factory=lambda: TTLCache(maxsize=10_000, ttl=NAME_CACHE_SECONDS)
    )
    _distributions: TTLCache[tuple[Any, ...], PropDistribution] = field(
        default_factory=lambda: TTLCache(maxsize=FEATURE_CACHE_SIZE, ttl=FEATURE_CACHE_SECONDS)
    )
    # Markets a batch read in one query for its items, each taken once by its item (lines
    # change with every odds snapshot, so a single predict reads its own).
    _markets: TTLCache[MarketKey, Market | None] = field(
        default_factory=lambda: TTLCache(maxsize=4 * MAX_BATCH, ttl=STAMP_SECONDS)
    )
    _recorder: PredictionRecorder | None = None
    experiments: ExperimentBook = field(default_factory=ExperimentBook)

    def __post_init__(self, predictor: Predictor | None) -> None:
        container = self.container
        self.champions = ChampionModels(container, lambda: invalidate_predictions(container))
        self.champions.predictor = predictor
        self.inputs = PredictionFeatures(container)

    # -- state -------------------------------------------------------------------------------
    @property
    def recorder(self) -> PredictionRecorder:
        if self._recorder is None:
            with self._lock:
                if self._recorder is None:
                    self._recorder = PredictionRecorder(self.container.engine)
        return self._recorder

    def forget(self) -> None:
        """Drop the in-process feature rows and distributions (new data; benchmarks)."""
        self.inputs.forget()
        self._distributions.clear()

    def data_changed(self) -> None:
        """New data (`Container.data_changed`): forget, and a serving process rebuilds the
        next games' rows in the background."""
        self.forget()
        if self.inputs.prepared:
            self.inputs.refresh_in_background()

    def close(self) -> None:
        """Write the queued prediction log and stop its thread (before closing the engine)."""
        if self._recorder is not None:
            self._recorder.close()

    def resolve(self, session: Session, name: str) -> repo.PlayerRef:
        key = normalize_name(name) if not name.strip().isdigit() else name.strip()
        found = self._names.get(key)
        if found is None:
            found = repo.resolve_player(session, name)
            self._names[key] = found
        return found

    # -- use case ----------------------------------------------------------------------------
    def predict(
        self, request: PredictionRequest, *, api_key_id: int | None = None, record: bool = True
    ) -> dict[str, Any]:
        """Price one prop (cached), and log it; under an A/B test of its stat both arms price
        it, the user's arm is served and the other is logged as a shadow.

        `record=False` prices without logging: a slip's legs, priced to value the slip, are
        no predictions served to bet on, and the track record grades only those.
        """
        spec = validate_request(request)
        self.champions.check_promotions()
        champion = self.champions.get()
        experiment = self.experiments.running(self.container, champion, spec.key)
        with self.container.sessions() as session:
            player = self.resolve(session, request.player_query)
            as_of = self.inputs.data_as_of(session)
            if experiment is None:
                answer = self._answer(session, player, spec, request, as_of, champion)
            else:
                day = self.inputs.target_game(session, player, request, as_of).game_date
                served, other = experiment.split(api_key_id, player.player_id, day)
                answer = self._answer(session, player, spec, request, as_of, served.predictor)
                shadow = self._answer(session, player, spec, request, as_of, other.predictor)
        if not record:
            return answer
        if experiment is None:
            self._log(answer, request, api_key_id)
        else:
            self._log_arms(experiment, served.name, answer, shadow, request, api_key_id)
        return answer

    def _answer(
        self,
        session: Session,
        player: repo.PlayerRef,
        spec: StatSpec,
        request: PredictionRequest,
        as_of: dt.date,
        predictor: Predictor,
    ) -> dict[str, Any]:
        """The cached answer of one prop priced by `predictor`, computed on a miss."""
        key = self._answer_key(player.player_id, spec, request, predictor)
        answer = self.container.cache.get(key)
        if answer is None:
            answer = self._compute(session, player, spec, request, as_of, predictor)
            self.container.cache.set(key, answer, self.container.settings.cache_ttl_predictions)
        return dict(answer)

    def batch(self, items: Sequence[Any], *, api_key_id: int | None = None) -> list[dict[str, Any]]:
        """Up to MAX_BATCH predictions in order; a bad item gets an error and fails nothing else.

        Each item is validated on its own (`parse_item`), so one malformed item is reported on
        that item alone instead of refusing the whole batch.
        """
        if len(items) > MAX_BATCH:
            raise PayloadTooLargeError(
                f"A batch holds at most {MAX_BATCH} predictions, got {len(items)}.",
                details={"max": MAX_BATCH, "received": len(items)},
            )
        if not items:
            return []
        self.champions.get()
        parsed: list[PredictionRequest | StatMusePicksError] = []
        for item in items:
            try:
                parsed.append(parse_item(item))
            except StatMusePicksError as exc:
                parsed.append(exc)
        self.prefetch([p for p in parsed if isinstance(p, PredictionRequest)])

        def one(item: Any, request: PredictionRequest | StatMusePicksError) -> dict[str, Any]:
            echo = dict(item) if isinstance(item, Mapping) else {"item": item}
            for name in UNECHOED:
                echo.pop(name, None)
            try:
                if isinstance(request, StatMusePicksError):
                    raise request
                return self.predict(request, api_key_id=api_key_id)
            except StatMusePicksError as exc:
                return {**echo, "error": exc.message, "code": exc.code, "status": exc.status_code}
            except Exception as exc:  # one bad item must never fail the batch
                log.exception("batch prediction item failed", error=repr(exc))
                return {**echo, "error": "Internal error", "code": "internal_error", "status": 500}

        with ThreadPoolExecutor(max_workers=min(BATCH_WORKERS, len(items))) as pool:
            return list(pool.map(one, items, parsed))

    def _answer_key(
        self,
        player_id: int,
        spec: StatSpec,
        request: PredictionRequest,
        predictor: Predictor,
    ) -> str:
        parts = (
            player_id,
            spec.key,
            f"{request.line:g}",
            f"{request.odds_over:g}",
            f"{request.odds_under:g}",
            request.date.isoformat() if request.date else "next",
            (request.opponent or "").upper(),
            self.champions.stamp(predictor),
            self.inputs.stamp,
        )
        return "predict:" + ":".join(str(p) for p in parts)

    def prefetch(self, requests: Sequence[PredictionRequest]) -> None:
        """Compute a batch's missing feature rows and distributions in vectorised calls.

        Best effort: whatever this cannot do (a bad item, a failing model) is left to the
        per-item path, which reports it on that item alone.
        """
        targets: dict[str, list[ServingTarget]] = {}
        markets: set[MarketKey] = set()
        stamp = self.champions.stamp()
        with self.container.sessions() as session:
            as_of = self.inputs.data_as_of(session)
            for request in requests:
                try:
                    spec = validate_request(request)
                    player = self.resolve(session, request.player_query)
                except StatMusePicksError:
                    continue
                target = self.inputs.target_game(session, player, request, as_of)
                targets.setdefault(spec.key, []).append(target)
                markets.add((player.player_id, spec.key, request.line, target.game_date))
            self.inputs.prefetch(session, [t for group in targets.values() for t in group])
            read = market_probabilities(session, list(markets))
            with self._lock:
                self._markets.update(read)
            for stat, group in targets.items():
                todo = {
                    key: target
                    for target in group
                    if (key := (*self.inputs.key(target), stat, stamp)) not in self._distributions
                }
                if len(todo) < 2:
                    continue
                rows = self.inputs.rows(session, list(todo.values()))
                try:
                    found = self.champions.get().predict(rows, stat)
                except Exception as exc:
                    log.info("batch pricing fell back to items", stat=stat, error=repr(exc))
                    continue
                for key, dist in zip(todo, found, strict=True):
                    self._distributions[key] = dist

    def _compute(
        self,
        session: Session,
        player: repo.PlayerRef,
        spec: StatSpec,
        request: PredictionRequest,
        as_of: dt.date,
        predictor: Predictor,
    ) -> dict[str, Any]:
        target = self.inputs.target_game(session, player, request, as_of)
        status = self.inputs.status(session, target)
        refuse_if_out(player.name, status)
        # One distribution per player, game and stat serves every line and price asked for it.
        dist_key = (*self.inputs.key(target), spec.key, self.champions.stamp(predictor))
        dist = self._distributions.get(dist_key)
        try:
            if dist is None:
                frame = self.inputs.features(session, target)
                dist = self.champions.distribution(frame, spec, player.player_id, predictor)
                self._distributions[dist_key] = dist
        except ModelNotAvailableError as exc:
            raise NotFoundError(
                f"{player.name} has no games to price {spec.key} from.",
                details={"player": player.name, "stat": spec.key},
            ) from exc
        key = (player.player_id, spec.key, request.line, target.game_date)
        with self._lock:
            held = key in self._markets
            market = self._markets.pop(key, None)
        if not held:
            market = market_probability(
                session, player.player_id, spec, request.line, target.game_date
            )
        priced = with_status(
            price_prop(
                dist,
                spec,
                Offer(request.line, request.odds_over, request.odds_under),
                market,
                predictor,
                BettingRules.from_settings(self.container.settings),
            ),
            status,
        )
        explanation, factors = explain(dist, spec, request.line, priced["over_probability"])
        return {
            "player": player.name,
            "player_id": player.player_id,
            "team": target.team or None,
            "stat": spec.key,
            "stat_label": spec.label,
            "line": request.line,
            "odds_over": request.odds_over,
            "odds_under": request.odds_under,
            "game_date": target.game_date.isoformat(),
            "opponent": target.opponent,
            "is_home": target.is_home,
            "scheduled": target.scheduled,
            **priced,
            "model_version": dist.model_version,
            "model_scope": dist.scope,
            "explanation": explanation,
            "factors": factors,
            "data_as_of": as_of.isoformat(),
            "disclaimer": DISCLAIMER,
        }

    def _log(
        self, answer: Mapping[str, Any], request: PredictionRequest, key_id: int | None
    ) -> None:
        self.recorder.record(log_row(answer, request, key_id))

    def _log_arms(
        self,
        experiment: RunningExperiment,
        served: str,
        answer: Mapping[str, Any],
        shadow: Mapping[str, Any],
        request: PredictionRequest,
        key_id: int | None,
    ) -> None:
        """Log a prop served under an experiment: its arm, and the other arm as a shadow."""
        other = experiment.challenger if served == experiment.champion.name else experiment.champion
        row = log_row(answer, request, key_id) | {"arm": served, "experiment_id": experiment.id}
        self.recorder.record(row)
        shadow_log = shadow_row(shadow, experiment.id, other.name, key_id)
        self.recorder.record(shadow_log, ShadowPrediction)


def prediction_service(container: Container) -> PredictionService:
    """The container's long-lived PredictionService (created once, on first use)."""
    return container.service(PredictionService, PredictionService)
