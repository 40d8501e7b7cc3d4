"""Use case: price one prop (player, stat, line, prices) with the champion models.

The answer holds the predictive mean, P(over/under/push), fair odds, the expected value per
unit at the offered prices, the edge against the de-vigged market (the stored lines for that
prop and date when there are some, the offered prices otherwise), a quarter-Kelly stake capped
at 2 %, a recommendation, the model's scope and version and its three largest feature effects.

Hot path: the predictor is loaded once per process; the player's name resolution, the data
stamp and the feature rows are held in memory, and the whole answer is cached (1 h) under a key
holding everything that changes it (prices, date, opponent, model versions, data as-of).
Served predictions are appended to `predictions` by a background writer, off the request path.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import math
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from cachetools import TTLCache
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from statmusepicks.core.errors import (
    ModelNotAvailableError,
    NotFoundError,
    PayloadTooLargeError,
    StatMusePicksError,
    ValidationError,
)
from statmusepicks.core.logging import get_logger
from statmusepicks.core.stats import StatSpec, normalize_name, resolve_stat
from statmusepicks.data.db.models import Prediction, PropLine
from statmusepicks.data.repositories import players as repo
from statmusepicks.evaluation.odds import (
    devig,
    expected_value,
    fair_american,
    is_valid_american,
    kelly_stake,
)
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.features.inputs import TeamGames, prepare_team_logs, season_of
from statmusepicks.features.timeline import day_numbers
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor, load_predictor
from statmusepicks.models.registry import CHAMPION, ModelRegistry
from statmusepicks.services.container import Container

log = get_logger(__name__)

DEFAULT_ODDS = -110
MAX_BATCH = 50
BATCH_WORKERS = 4
# A recent-form history: this and last season, and at least this many games.
MIN_HISTORY_GAMES = 20
# The data stamp (newest box score) is re-read at most this often; new data also clears the
# answer cache through `invalidate_predictions`.
STAMP_SECONDS = 10.0
FEATURE_CACHE_SIZE = 4096
FEATURE_CACHE_SECONDS = 3600.0
NAME_CACHE_SECONDS = 3600.0
# How often each process looks at the champion aliases on disk (a few small JSON reads).
PROMOTION_CHECK_SECONDS = 30.0
TOP_FACTORS = 3
DISCLAIMER = (
    "For information and entertainment only; not financial or betting advice. Predictions are "
    "probabilities, not guarantees, and past results do not predict future ones. Only bet what "
    "you can afford to lose, and only where it is legal and you are of age (18+/21+). Problem "
    "gambling help: 1-800-GAMBLER."
)
STAT_WORDS = {
    "pts": "points",
    "reb": "rebounds",
    "ast": "assists",
    "fg3m": "threes made",
    "stl": "steals",
    "blk": "blocks",
    "tov": "turnovers",
    "min": "minutes",
    "pra": "points+rebounds+assists",
    "pr": "points+rebounds",
    "pa": "points+assists",
    "ra": "rebounds+assists",
}
SUFFIX_WORDS = {
    "sma3": "average over the last 3 games",
    "sma5": "average over the last 5 games",
    "sma10": "average over the last 10 games",
    "ema": "recent-weighted average (EMA)",
    "wma10": "weighted 10-game average",
    "std10": "game-to-game spread (last 10)",
    "min10": "lowest of the last 10 games",
    "max10": "highest of the last 10 games",
    "med10": "median of the last 10 games",
    "slope10": "trend over the last 10 games",
    "momentum": "momentum (last 3 vs last 10)",
    "season": "season average",
    "prev_season": "last season's average",
    "per36": "rate per 36 minutes",
}
FEATURE_WORDS = {
    "f_is_home": "home court",
    "f_rest_days": "days of rest",
    "f_back_to_back": "back-to-back",
    "f_games_last7": "games in the last 7 days",
    "f_travel_km": "travel since the last game",
    "f_tz_shift": "time-zone change",
    "f_altitude": "altitude venue",
    "f_opp_drtg": "opponent's defensive rating",
    "f_opp_pace": "opponent's pace",
    "f_opp_def_rank": "opponent's defensive rank",
    "f_team_pace": "own team's pace",
    "f_usg_pct_l10": "usage rate (last 10)",
    "f_ts_pct_l10": "true shooting (last 10)",
    "f_teammates_out": "teammates out",
    "f_teammates_out_min": "minutes of absent teammates",
    "f_games_season": "games played this season",
}


# ----------------------------------------------------------------------------- request
@dataclass(frozen=True)
class PredictionRequest:
    """One prop to price. `player_data`/`opponent_data` are accepted from the frontend and kept
    with the logged request; the service prices from its own box scores."""

    player: str
    stat: str
    line: float
    odds_over: float = DEFAULT_ODDS
    odds_under: float = DEFAULT_ODDS
    date: dt.date | None = None
    opponent: str | None = None
    player_data: Any = None
    opponent_data: Any = None

    @classmethod
    def from_mapping(cls, item: Any) -> PredictionRequest:
        """A request from a JSON object (batch items), with readable errors."""
        if not isinstance(item, Mapping):
            raise ValidationError("Each prediction must be an object with player, stat and line.")
        missing = [name for name in ("player", "stat", "line") if item.get(name) in (None, "")]
        if missing:
            raise ValidationError(f"Missing field(s): {', '.join(missing)}.")
        try:
            return cls(
                player=str(item["player"]),
                stat=str(item["stat"]),
                line=float(item["line"]),
                odds_over=float(_or(item.get("odds_over"), DEFAULT_ODDS)),
                odds_under=float(_or(item.get("odds_under"), DEFAULT_ODDS)),
                date=None if not item.get("date") else dt.date.fromisoformat(str(item["date"])),
                opponent=None if not item.get("opponent") else str(item["opponent"]),
                player_data=item.get("player_data"),
                opponent_data=item.get("opponent_data"),
            )
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"Bad prediction item: {exc}") from exc


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def validate_request(request: PredictionRequest) -> StatSpec:
    """The stat's spec; 422 for a line outside the stat's range or an impossible price."""
    spec = resolve_stat(request.stat)
    if not (math.isfinite(request.line) and 0 < request.line <= spec.max_line):
        raise ValidationError(
            f"line must be above 0 and at most {spec.max_line:g} for {spec.key}, "
            f"got {request.line:g}.",
            details={"line": request.line, "max_line": spec.max_line},
        )
    for side, odds in (("odds_over", request.odds_over), ("odds_under", request.odds_under)):
        if not is_valid_american(odds) or abs(odds) > 100_000:
            raise ValidationError(
                f"{side} must be American odds (-100 or lower, +100 or higher), got {odds:g}.",
                details={side: odds},
            )
    if request.opponent is not None and not (2 <= len(request.opponent.strip()) <= 3):
        raise ValidationError(
            "opponent must be a team abbreviation such as 'LAL'.",
            details={"opponent": request.opponent},
        )
    return spec


# ----------------------------------------------------------------------------- pricing
@dataclass(frozen=True)
class Target:
    """The game being priced."""

    game_date: dt.date
    team: str
    opponent: str | None
    is_home: bool | None
    scheduled: bool


@dataclass(frozen=True)
class Market:
    """The de-vigged consensus of stored lines at the requested number."""

    over_probability: float
    books: int
    source: str


def market_probability(
    session: Session, player_id: int, spec: StatSpec, line: float, day: dt.date
) -> Market | None:
    """De-vigged P(over | no push) from every book's latest stored price at this line."""
    rows = session.execute(
        select(PropLine.bookmaker, PropLine.over_price, PropLine.under_price)
        .where(
            PropLine.player_id == player_id,
            PropLine.game_date == day,
            PropLine.market == spec.key,
            PropLine.line == line,
            PropLine.over_price.is_not(None),
            PropLine.under_price.is_not(None),
        )
        .order_by(PropLine.captured_at)
    ).all()
    latest = {book: (over, under) for book, over, under in rows}
    if not latest:
        return None
    prices = np.array(list(latest.values()), float)
    fair = devig(prices[:, 0], prices[:, 1])
    return Market(float(np.mean(fair)), len(latest), "stored_lines")


def describe_feature(name: str) -> str:
    """A feature's name in plain words ('f_pts_sma10' -> 'points average over the last ...')."""
    if name in FEATURE_WORDS:
        return FEATURE_WORDS[name]
    body = name.removeprefix("f_")
    for column, word in STAT_WORDS.items():
        if body.startswith(column + "_"):
            suffix = body[len(column) + 1 :]
            return f"{word} {SUFFIX_WORDS.get(suffix, suffix.replace('_', ' '))}"
    for prefix, phrase in (
        ("opp_allowed_", "what the opponent allowed in {}"),
        ("vs_opp_", "{} against this opponent"),
        ("vs_top10_", "{} against top-10 defences"),
        ("vs_bottom10_", "{} against bottom-10 defences"),
    ):
        if body.startswith(prefix):
            rest = body[len(prefix) :]
            return phrase.format(STAT_WORDS.get(rest, rest.replace("_", " ")))
    return body.replace("_", " ")


def explain(
    dist: PropDistribution, spec: StatSpec, line: float, over: float
) -> tuple[str, list[dict[str, Any]]]:
    """The three largest feature effects in plain words, and a one-paragraph summary."""
    factors = [
        {
            "feature": feature,
            "description": describe_feature(feature),
            "effect": round(effect, 3),
            "direction": "raises" if effect > 0 else "lowers",
        }
        for feature, effect in dist.contributions[:TOP_FACTORS]
    ]
    source = {
        "player": "this player's own model",
        "global": "the league-wide model",
        "season_average": "the season-average fallback (no trained model for this case)",
    }.get(dist.scope, dist.scope)
    text = (
        f"Projects {dist.mean:.1f} {spec.label.lower()} (spread ±{dist.std:.1f}) from {source}; "
        f"P(over {line:g}) = {over:.1%}."
    )
    if factors:
        parts = [
            f"{f['description']} {f['direction']} it by {abs(float(f['effect'])):.2f}"
            for f in factors
        ]
        text += " Biggest factors: " + "; ".join(parts) + "."
    return text, factors


def _finite(value: float, digits: int = 4) -> float:
    return round(float(value), digits) if math.isfinite(value) else 0.0


def price_prop(
    dist: PropDistribution,
    spec: StatSpec,
    request: PredictionRequest,
    market: Market | None,
    predictor: Predictor,
    *,
    edge_threshold: float,
    kelly_fraction: float,
    kelly_cap: float,
) -> dict[str, Any]:
    """Probabilities, fair odds, EV, edge, Kelly and the recommendation for one distribution."""
    line = request.line
    push = dist.prob_push(line)
    model_over = dist.prob_over_no_push(line)
    offered = float(devig(request.odds_over, request.odds_under))
    if market is not None:
        over_np = predictor.combine_with_market(model_over, market.over_probability, spec.key)
        market_over, market_source = market.over_probability, market.source
    else:
        over_np = float(predictor.calibrate(np.array([model_over]), spec.key)[0])
        market_over, market_source = offered, "offered_prices"
    over = over_np * (1.0 - push)
    under = (1.0 - over_np) * (1.0 - push)
    ev_over = float(expected_value(over, under, request.odds_over))
    ev_under = float(expected_value(under, over, request.odds_under))
    edge_over = over_np - market_over
    edge_under = -edge_over
    if edge_over >= edge_under:
        side, edge, ev, odds, win, lose = "OVER", edge_over, ev_over, request.odds_over, over, under
    else:
        side, edge, ev, odds, win, lose = (
            "UNDER",
            edge_under,
            ev_under,
            request.odds_under,
            under,
            over,
        )
    recommended = edge > edge_threshold and ev > 0
    kelly = kelly_stake(win, lose, odds, fraction=kelly_fraction, cap=kelly_cap)
    favoured = max(over_np, 1.0 - over_np)
    label = "low"
    if dist.scope != "season_average" and recommended:
        label = "high" if edge > 2 * edge_threshold else "medium"
    return {
        "predicted_value": _finite(dist.mean, 2),
        "over_probability": _finite(over),
        "under_probability": _finite(under),
        "push_probability": _finite(push),
        "recommendation": side if recommended else "PASS",
        "expected_value": _finite(ev if recommended else max(ev_over, ev_under)),
        "expected_value_over": _finite(ev_over),
        "expected_value_under": _finite(ev_under),
        "confidence": _finite(favoured),
        "confidence_label": label,
        "kelly_fraction": _finite(kelly if recommended else 0.0),
        "edge": _finite(edge),
        "edge_side": side,
        "model_over_probability": _finite(model_over),
        "market_over_probability": _finite(market_over),
        "market_source": market_source,
        "market_books": market.books if market is not None else 0,
        "fair_odds_over": round(fair_american(over_np), 1),
        "fair_odds_under": round(fair_american(1.0 - over_np), 1),
        "std": _finite(dist.std, 3),
    }


# ----------------------------------------------------------------------------- recorder
class PredictionRecorder:
    """Appends served predictions to `predictions` from a background thread (batched)."""

    def __init__(self, container: Container, flush_seconds: float = 0.25) -> None:
        self.container = container
        self.flush_seconds = flush_seconds
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def record(self, row: dict[str, Any]) -> None:
        self._queue.put(row)

    def close(self) -> None:
        """Stop the writer thread and write what is left."""
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join(timeout=5)
            self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            try:
                self.flush()
            except Exception as exc:  # the log must never take the service down
                log.error("prediction log write failed", error=repr(exc))

    def flush(self) -> int:
        """Write everything queued so far; returns the number of rows written."""
        with self._lock:
            rows: list[dict[str, Any]] = []
            while True:
                try:
                    rows.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if rows:
                with self.container.engine.begin() as connection:
                    connection.execute(insert(Prediction), rows)
            return len(rows)


# ----------------------------------------------------------------------------- service
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
    _teams: tuple[float, Any, TeamGames] | None = None
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
                    self._recorder = PredictionRecorder(self.container)
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
        """Team games indexed once; re-checked for new rows every STAMP_SECONDS, like the data."""
        with self._lock:
            if self._teams is not None and time.monotonic() - self._teams[0] <= STAMP_SECONDS:
                return self._teams[2]
            stamp = repo.latest_team_game(session)
            if self._teams is None or self._teams[1] != stamp:
                games = prepare_team_logs(repo.team_game_logs(session))
            else:
                games = self._teams[2]
            self._teams = (time.monotonic(), stamp, games)
            return games

    # -- use case ----------------------------------------------------------------------------
    def predict(
        self, request: PredictionRequest, *, api_key_id: int | None = None
    ) -> dict[str, Any]:
        """Price one prop (cached), and log it."""
        spec = validate_request(request)
        self.check_promotions()
        with self.container.sessions() as session:
            player = self.resolve(session, request.player)
            as_of = self.data_as_of(session)
            key = self._answer_key(player.player_id, spec, request, as_of)
            answer = self.container.cache.get(key)
            if answer is None:
                answer = self._compute(session, player, spec, request, as_of)
                self.container.cache.set(key, answer, self.container.settings.cache_ttl_predictions)
        self._log(answer, request, api_key_id)
        return dict(answer)

    def batch(self, items: Sequence[Any], *, api_key_id: int | None = None) -> list[dict[str, Any]]:
        """Up to MAX_BATCH predictions in order; a bad item gets an error and fails nothing else."""
        if len(items) > MAX_BATCH:
            raise PayloadTooLargeError(
                f"A batch holds at most {MAX_BATCH} predictions, got {len(items)}.",
                details={"max": MAX_BATCH, "received": len(items)},
            )
        if not items:
            return []
        self.get_predictor()
        parsed = []
        for item in items:
            try:
                parsed.append(PredictionRequest.from_mapping(item))
            except StatMusePicksError:
                continue
        self.prefetch(parsed)

        def one(item: Any) -> dict[str, Any]:
            echo = dict(item) if isinstance(item, Mapping) else {"item": item}
            echo.pop("player_data", None)
            echo.pop("opponent_data", None)
            try:
                return self.predict(PredictionRequest.from_mapping(item), api_key_id=api_key_id)
            except StatMusePicksError as exc:
                return {**echo, "error": exc.message, "code": exc.code, "status": exc.status_code}
            except Exception as exc:  # one bad item must never fail the batch
                log.exception("batch prediction item failed", error=repr(exc))
                return {**echo, "error": "Internal error", "code": "internal_error", "status": 500}

        with ThreadPoolExecutor(max_workers=min(BATCH_WORKERS, len(items))) as pool:
            return list(pool.map(one, items))

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
    ) -> Target:
        team = player.team or ""
        start = request.date or as_of + dt.timedelta(days=1)
        game = repo.next_game(session, team, start) if team else None
        if game is not None and (request.date is None or game.game_date == request.date):
            scheduled = (request.opponent or game.opp).upper()
            return Target(game.game_date, team, scheduled, game.is_home, True)
        unscheduled = request.opponent.upper() if request.opponent else None
        return Target(start, team, unscheduled, None, False)

    def _feature_key(self, player: repo.PlayerRef, target: Target) -> tuple[Any, ...]:
        return (player.player_id, target.game_date, target.opponent, target.is_home, self._stamp[1])

    def features(self, session: Session, player: repo.PlayerRef, target: Target) -> pd.DataFrame:
        """The player's feature row for the target game (cached per player, date, opponent)."""
        key = self._feature_key(player, target)
        cached = self._features.get(key)
        if cached is None:
            cached = self.feature_rows(session, [(player, target)])
            self._features[key] = cached
        return cached

    def feature_rows(
        self, session: Session, pairs: Sequence[tuple[repo.PlayerRef, Target]]
    ) -> pd.DataFrame:
        """Feature rows of many (player, game) pairs in one vectorised frame, in order.

        One code path for one player and for a batch: this and last season's games of each
        player (at least MIN_HISTORY_GAMES), his team's games of the season for teammates-out,
        and the injury report of scheduled games. Only games before each target count.
        """
        seasons = [str(season_of(day_numbers(pd.Series([t.game_date])))[0]) for _, t in pairs]
        since = min(dt.date(int(season[:4]) - 1, 9, 1) for season in seasons)
        before = max(target.game_date for _, target in pairs)
        ids = sorted({player.player_id for player, _ in pairs})
        history = repo.player_game_logs(session, ids, since=since, before=before)
        counts = history["player_id"].value_counts()
        thin = [pid for pid in ids if counts.get(pid, 0) < MIN_HISTORY_GAMES]
        recent = [
            repo.recent_player_game_logs(session, pid, before=before, limit=MIN_HISTORY_GAMES)
            for pid in thin
        ]
        history = pd.concat([*recent, history]).drop_duplicates(["player_id", "game_id"])
        rows, rosters, absences = [], {}, []
        for (player, target), season in zip(pairs, seasons, strict=True):
            own = history[
                (history["player_id"] == player.player_id)
                & (history["game_date"] < target.game_date)
            ]
            team = str(own["team"].iloc[-1]) if len(own) else target.team
            rows.append(
                {
                    "player_id": player.player_id,
                    "game_date": target.game_date,
                    "season": season,
                    "team": team,
                    "opp": target.opponent or "",
                    "is_home": bool(target.is_home),
                }
            )
            if (team, season) not in rosters:
                rosters[(team, season)] = self._roster(session, team, season, before)
            if target.scheduled:
                absences.append(repo.reported_out(session, team, target.game_date))
        logs = pd.concat([history, *rosters.values()]).drop_duplicates(["player_id", "game_id"])
        out = pd.concat(absences).drop_duplicates() if absences else None
        return build_feature_frame(logs, self.team_games(session), pd.DataFrame(rows), absences=out)

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
        wanted: dict[tuple[Any, ...], tuple[repo.PlayerRef, Target]] = {}
        stats: dict[str, list[tuple[Any, ...]]] = {}
        with self.container.sessions() as session:
            as_of = self.data_as_of(session)
            for request in requests:
                try:
                    spec = validate_request(request)
                    player = self.resolve(session, request.player)
                except StatMusePicksError:
                    continue
                target = self.target_game(session, player, request, as_of)
                key = self._feature_key(player, target)
                wanted[key] = (player, target)
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
        dist_key = (*self._feature_key(player, target), spec.key, self.model_stamp())
        dist = self._distributions.get(dist_key)
        try:
            if dist is None:
                frame = self.features(session, player, target)
                dist = self.distribution(frame, spec, player.player_id)
                self._distributions[dist_key] = dist
        except ModelNotAvailableError as exc:
            raise NotFoundError(
                f"{player.name} has no games to price {spec.key} from.",
                details={"player": player.name, "stat": spec.key},
            ) from exc
        market = market_probability(session, player.player_id, spec, request.line, target.game_date)
        settings = self.container.settings
        priced = price_prop(
            dist,
            spec,
            request,
            market,
            self.get_predictor(),
            edge_threshold=settings.edge_threshold,
            kelly_fraction=settings.kelly_fraction,
            kelly_cap=settings.kelly_cap,
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
        self.recorder.record(
            {
                "player_id": answer["player_id"],
                "player_name": answer["player"],
                "stat": answer["stat"],
                "line": answer["line"],
                "game_date": dt.date.fromisoformat(answer["game_date"]),
                "odds_over": round(request.odds_over),
                "odds_under": round(request.odds_under),
                "predicted_value": answer["predicted_value"],
                "over_probability": answer["over_probability"],
                "under_probability": answer["under_probability"],
                "push_probability": answer["push_probability"],
                "recommendation": answer["recommendation"],
                "expected_value": answer["expected_value"],
                "kelly_fraction": answer["kelly_fraction"],
                "model_version": str(answer["model_version"])[:100],
                "model_scope": answer["model_scope"],
                "request": _jsonable(asdict(request)),
                "api_key_id": key_id,
            }
        )


def _jsonable(request: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in request.items()
        if k not in ("player_data", "opponent_data") or v is not None
    }


def invalidate_predictions(container: Container) -> int:
    """Drop every cached answer and board (call on promotion and when new data arrives), and
    this process's feature rows and distributions."""
    service = container.extras.get("prediction_service")
    if isinstance(service, PredictionService):
        service.forget()
    container.extras.pop("board_frames", None)
    return container.cache.delete_prefix("predict:") + container.cache.delete_prefix("board:")


def prediction_service(container: Container) -> PredictionService:
    """The container's long-lived PredictionService (created on first use)."""
    service = container.extras.get("prediction_service")
    if service is None:
        service = PredictionService(container)
        container.extras["prediction_service"] = service
    return service  # type: ignore[no-any-return]
