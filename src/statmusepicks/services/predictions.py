"""Use case: price one prop (player, stat, line, prices) with the champion models.

The answer (`PredictionResponse`) holds the predictive mean, P(over/under/push), fair odds, the
expected value per unit at the offered prices, the edge against the de-vigged market, a
quarter-Kelly stake, a recommendation, the model's scope and version and its three largest
feature effects. The pieces live in their own modules: the request (`prediction_request`),
the maths (`pricing`), the wording (`explanations`), the log (`prediction_log`) and the
feature inputs (`serving_inputs`, shared with the board and the player context).

Hot path: the predictor is loaded once per process; the player's name resolution, the data
stamp and the feature rows are held in memory, and the whole answer is cached (1 h) under a key
holding everything that changes it (prices, date, opponent, model versions, data as-of).
Served predictions are appended to `predictions` by a background writer, off the request path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from cachetools import TTLCache
from sqlalchemy.orm import Session

from statmusepicks.core.errors import (
    ModelNotAvailableError,
    NotFoundError,
    PayloadTooLargeError,
    StatMusePicksError,
)
from statmusepicks.core.logging import get_logger
from statmusepicks.core.stats import CHAMPION, StatSpec, normalize_name
from statmusepicks.data.repositories import players as repo
from statmusepicks.features.inputs import TeamGames
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor, load_predictor
from statmusepicks.models.registry import ModelRegistry
from statmusepicks.services.container import Container
from statmusepicks.services.explanations import DISCLAIMER, explain
from statmusepicks.services.prediction_log import PredictionRecorder, log_row
from statmusepicks.services.prediction_request import (
    MAX_BATCH,
    PredictionRequest,
    parse_item,
    validate_request,
)
from statmusepicks.services.pricing import (
    BettingRules,
    Offer,
    market_probability,
    price_prop,
)
from statmusepicks.services.serving_inputs import ServingTarget, serving_inputs

log = get_logger(__name__)

BATCH_WORKERS = 4
# The data stamp (newest box score) is re-read at most this often; new data also clears the
# answer cache through `invalidate_predictions`.
STAMP_SECONDS = 10.0
FEATURE_CACHE_SIZE = 4096
FEATURE_CACHE_SECONDS = 3600.0
NAME_CACHE_SECONDS = 3600.0
# How often each process looks at the champion aliases on disk (a few small JSON reads).
PROMOTION_CHECK_SECONDS = 30.0
# Frontend payloads are logged with the request but never echoed in a batch error item.
UNECHOED = ("player_data", "opponent_data")


@dataclass
class PredictionService:
    """Long-lived state of the prediction use case (one per process)."""

    container: Container
    predictor: Predictor | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _names: TTLCache[str, repo.PlayerRef] = field(
        default_factory=lambda: TTLCache(maxsize=10_000, ttl=NAME_CACHE_SECONDS)
    )
    _features: TTLCache[tuple[Any, ...], pd.DataFrame] = field(
        default_factory=lambda: TTLCache(maxsize=FEATURE_CACHE_SIZE, ttl=FEATURE_CACHE_SECONDS)
    )
    _distributions: TTLCache[tuple[Any, ...], PropDistribution] = field(
        default_factory=lambda: TTLCache(maxsize=FEATURE_CACHE_SIZE, ttl=FEATURE_CACHE_SECONDS)
    )
    _rosters: TTLCache[tuple[Any, ...], pd.DataFrame] = field(
        default_factory=lambda: TTLCache(maxsize=256, ttl=FEATURE_CACHE_SECONDS)
    )
    _stamp: tuple[float, dt.date | None] = (0.0, None)
    _recorder: PredictionRecorder | None = None
    _champions: tuple[float, tuple[tuple[str, str], ...] | None] = (0.0, None)
    _reloading: threading.Event = field(default_factory=threading.Event)

    # -- state -------------------------------------------------------------------------------
    def get_predictor(self) -> Predictor:
        """The champion predictor, loaded once (an empty registry serves season averages)."""
        if self.predictor is None:
            with self._lock:
                if self.predictor is None:
                    try:
                        self._champions = (time.monotonic(), self._champion_stamp())
                        self.predictor = load_predictor(self.container.settings)
                    except Exception as exc:
                        log.error("predictor failed to load; season averages only", error=repr(exc))
                        self.predictor = Predictor()
        return self.predictor

    def _champion_stamp(self) -> tuple[tuple[str, str], ...]:
        registry = ModelRegistry(self.container.settings)
        return tuple((name, registry.aliases(name).get(CHAMPION, "")) for name in registry.names())

    def check_promotions(self) -> bool:
        """Reload in the background when the champions on disk changed (a promotion or a new
        training run, in any process); answers keep coming from the old models meanwhile."""
        checked, seen = self._champions
        now = time.monotonic()
        if now - checked < PROMOTION_CHECK_SECONDS:
            return False
        current = self._champion_stamp()
        self._champions = (now, current)
        if seen is None or seen == current or self._reloading.is_set():
            return False
        self._reloading.set()
        threading.Thread(target=self._reload_champions, name="model-reload", daemon=True).start()
        return True

    def _reload_champions(self) -> None:
        try:
            self.reload(load_predictor(self.container.settings))
            log.info("champions changed: models reloaded", versions=self.get_predictor().versions)
        except Exception as exc:
            log.error("model reload failed; serving the previous models", error=repr(exc))
        finally:
            self._reloading.clear()

    def reload(self, predictor: Predictor | None = None) -> Predictor:
        """Swap in a new predictor (after a promotion) and drop every cached answer."""
        with self._lock:
            self.predictor = predictor
        invalidate_predictions(self.container)
        return self.get_predictor()

    def model_stamp(self) -> str:
        versions = sorted(self.get_predictor().versions.items())
        return hashlib.sha256(repr(versions).encode()).hexdigest()[:12]

    @property
    def recorder(self) -> PredictionRecorder:
        if self._recorder is None:
            with self._lock:
                if self._recorder is None:
                    self._recorder = PredictionRecorder(self.container.engine)
        return self._recorder

    def forget(self) -> None:
        """Drop the in-process feature rows and distributions (new data; benchmarks)."""
        self._features.clear()
        self._distributions.clear()
        self._rosters.clear()

    def close(self) -> None:
        """Write the queued prediction log and stop its thread (before closing the engine)."""
        if self._recorder is not None:
            self._recorder.close()

    def data_as_of(self, session: Session) -> dt.date:
        """Date of the newest stored box score (re-read every STAMP_SECONDS)."""
        checked, latest = self._stamp
        if latest is None or time.monotonic() - checked > STAMP_SECONDS:
            latest = repo.latest_game_date(session)
            if latest is None:
                raise NotFoundError("No box scores are loaded yet: run `statmusepicks data load`.")
            self._stamp = (time.monotonic(), latest)
        return latest

    def resolve(self, session: Session, name: str) -> repo.PlayerRef:
        key = normalize_name(name) if not name.strip().isdigit() else name.strip()
        found = self._names.get(key)
        if found is None:
            found = repo.resolve_player(session, name)
            self._names[key] = found
        return found

    def team_games(self, session: Session) -> TeamGames:
        """The process's indexed team games (one cache, shared with the board and context)."""
        return self.container.team_games.get(session)

    # -- use case ----------------------------------------------------------------------------
    def predict(
        self, request: PredictionRequest, *, api_key_id: int | None = None
    ) -> dict[str, Any]:
        """Price one prop (cached), and log it."""
        spec = validate_request(request)
        self.check_promotions()
        with self.container.sessions() as session:
            player = self.resolve(session, request.player_query)
            as_of = self.data_as_of(session)
            key = self._answer_key(player.player_id, spec, request, as_of)
            answer = self.container.cache.get(key)
            if answer is None:
                answer = self._compute(session, player, spec, request, as_of)
                self.container.cache.set(key, answer, self.container.settings.cache_ttl_predictions)
        self._log(answer, request, api_key_id)
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
        self.get_predictor()
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
        self, player_id: int, spec: StatSpec, request: PredictionRequest, as_of: dt.date
    ) -> str:
        parts = (
            player_id,
            spec.key,
            f"{request.line:g}",
            f"{request.odds_over:g}",
            f"{request.odds_under:g}",
            request.date.isoformat() if request.date else "next",
            (request.opponent or "").upper(),
            self.model_stamp(),
            as_of.isoformat(),
        )
        return "predict:" + ":".join(str(p) for p in parts)

    def target_game(
        self, session: Session, player: repo.PlayerRef, request: PredictionRequest, as_of: dt.date
    ) -> ServingTarget:
        """The game priced: the requested date (default: the player's next game after the
        data), from the schedule when it holds it, else an unscheduled game on that date."""
        team = player.team or ""
        start = request.date or as_of + dt.timedelta(days=1)
        game = repo.next_game(session, team, start) if team else None
        pid = player.player_id
        if game is not None and (request.date is None or game.game_date == request.date):
            opponent = (request.opponent or game.opp).upper()
            return ServingTarget(pid, game.game_date, team, opponent, game.is_home, True)
        unscheduled = request.opponent.upper() if request.opponent else None
        return ServingTarget(pid, start, team, unscheduled, None, False)

    def _feature_key(self, target: ServingTarget) -> tuple[Any, ...]:
        return (
            target.player_id,
            target.game_date,
            target.opponent,
            target.is_home,
            self._stamp[1],
        )

    def features(self, session: Session, target: ServingTarget) -> pd.DataFrame:
        """The player's feature row for the target game (cached per player, date, opponent)."""
        key = self._feature_key(target)
        cached = self._features.get(key)
        if cached is None:
            cached = self.feature_rows(session, [target])
            self._features[key] = cached
        return cached

    def feature_rows(self, session: Session, targets: Sequence[ServingTarget]) -> pd.DataFrame:
        """Feature rows of many targets in one vectorised frame, in order (one code path for
        one player and a batch, shared with the board: `serving_inputs`)."""
        inputs = serving_inputs(session, targets, roster=self._roster)
        return inputs.feature_frame(self.team_games(session))

    def _roster(self, session: Session, team: str, season: str, before: dt.date) -> pd.DataFrame:
        """A team's box scores of a season before a date (shared by all its players).

        Kept per data stamp: teammates asked about for the same game reuse one read, and new
        box scores (a new stamp) make a new key.
        """
        key = (team, season, before, self._stamp[1])
        found = self._rosters.get(key)
        if found is None:
            found = repo.team_player_logs(session, team, season, before=before)
            self._rosters[key] = found
        return found

    def prefetch(self, requests: Sequence[PredictionRequest]) -> None:
        """Compute a batch's missing feature rows and distributions in vectorised calls.

        Best effort: whatever this cannot do (a bad item, a failing model) is left to the
        per-item path, which reports it on that item alone.
        """
        wanted: dict[tuple[Any, ...], ServingTarget] = {}
        stats: dict[str, list[tuple[Any, ...]]] = {}
        with self.container.sessions() as session:
            as_of = self.data_as_of(session)
            for request in requests:
                try:
                    spec = validate_request(request)
                    player = self.resolve(session, request.player_query)
                except StatMusePicksError:
                    continue
                target = self.target_game(session, player, request, as_of)
                key = self._feature_key(target)
                wanted[key] = target
                stats.setdefault(spec.key, []).append(key)
            missing = [key for key in wanted if key not in self._features]
            if len(missing) > 1:
                frame = self.feature_rows(session, [wanted[key] for key in missing])
                for i, key in enumerate(missing):
                    self._features[key] = frame.iloc[[i]].reset_index(drop=True)
        stamp = self.model_stamp()
        for stat, keys in stats.items():
            todo = [
                k
                for k in dict.fromkeys(keys)
                if (*k, stat, stamp) not in self._distributions and k in self._features
            ]
            if len(todo) < 2:
                continue
            rows = pd.concat([self._features[k] for k in todo], ignore_index=True)
            try:
                found = self.get_predictor().predict(rows, stat)
            except Exception as exc:
                log.info("batch pricing fell back to items", stat=stat, error=repr(exc))
                continue
            for key, dist in zip(todo, found, strict=True):
                self._distributions[(*key, stat, stamp)] = dist

    def distribution(self, frame: pd.DataFrame, spec: StatSpec, player_id: int) -> PropDistribution:
        """Player model, else global, else season average (a broken model falls through too)."""
        predictor = self.get_predictor()
        try:
            return predictor.predict(frame, spec.key, player_id=player_id)[0]
        except ModelNotAvailableError:
            raise
        except Exception as exc:
            log.error("model failed; serving the season average", stat=spec.key, error=repr(exc))
            return Predictor().predict(frame, spec.key, player_id=player_id)[0]

    def _compute(
        self,
        session: Session,
        player: repo.PlayerRef,
        spec: StatSpec,
        request: PredictionRequest,
        as_of: dt.date,
    ) -> dict[str, Any]:
        target = self.target_game(session, player, request, as_of)
        # One distribution per player, game and stat serves every line and price asked for it.
        dist_key = (*self._feature_key(target), spec.key, self.model_stamp())
        dist = self._distributions.get(dist_key)
        try:
            if dist is None:
                frame = self.features(session, target)
                dist = self.distribution(frame, spec, player.player_id)
                self._distributions[dist_key] = dist
        except ModelNotAvailableError as exc:
            raise NotFoundError(
                f"{player.name} has no games to price {spec.key} from.",
                details={"player": player.name, "stat": spec.key},
            ) from exc
        market = market_probability(session, player.player_id, spec, request.line, target.game_date)
        priced = price_prop(
            dist,
            spec,
            Offer(request.line, request.odds_over, request.odds_under),
            market,
            self.get_predictor(),
            BettingRules.from_settings(self.container.settings),
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


def invalidate_predictions(container: Container) -> int:
    """Drop every cached answer and board (call on promotion and when new data arrives), and
    this process's feature rows, distributions and indexed team games."""
    prediction_service(container).forget()
    container.board_frames.clear()
    container.team_games.expire()
    return container.cache.delete_prefix("predict:") + container.cache.delete_prefix("board:")


def prediction_service(container: Container) -> PredictionService:
    """The container's long-lived PredictionService (created once, on first use)."""
    return container.service(PredictionService, PredictionService)
