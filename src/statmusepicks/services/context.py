"""Use case: the player context the frontend shows next to a prop (recent form, opponent, rest).

Everything is computed by the feature pipeline's own functions on the player's games strictly
before `asOf`, so the context and the models see the same numbers. Answers are cached (context
6 h, opponent 24 h); the default `asOf` is the day after the newest stored game, so new games
change the cache key by themselves, and `invalidate_player` / `invalidate_team` drop the rest.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from statmusepicks.core.errors import (
    NotFoundError,
    PayloadTooLargeError,
    StatMusePicksError,
    ValidationError,
)
from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import StatSpec, resolve_stat
from statmusepicks.data.cache import Cache
from statmusepicks.data.repositories import players as repo
from statmusepicks.features import advanced, context, opponent, rolling
from statmusepicks.features.arenas import team_codes
from statmusepicks.features.inputs import (
    FeatureInputs,
    TeamGames,
    prepare_inputs,
    prepare_team_logs,
    previous_season,
    season_of,
)
from statmusepicks.features.timeline import day_numbers
from statmusepicks.services.container import Container

log = get_logger(__name__)

DEFAULT_LIMIT = 10
MAX_LIMIT = 82
MAX_BATCH = 50
BATCH_WORKERS = 8
# A trend is "up" or "down" when the fitted line moves the stat by more than 10 % of its
# 10-game average across those 10 games; smaller moves are noise at NBA game-to-game spreads.
TREND_THRESHOLD = 0.10
MIN_HISTORY_GAMES = rolling.FORM_DEPTH


@dataclass(frozen=True)
class ContextQuery:
    """One context request as the frontend sends it."""

    player: str
    stat: str = "points"
    limit: int = DEFAULT_LIMIT
    as_of: dt.date | None = None
    line: float | None = None


def _number(value: Any, digits: int | None = 3) -> float | None:
    """A JSON number (None for missing): never NaN, never a string."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return None
    return round(number, digits) if digits is not None else number


def _date(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def context_key(player_id: int, spec: StatSpec, query: ContextQuery, as_of: dt.date) -> str:
    return f"context:{player_id}:{spec.key}:{query.limit}:{as_of.isoformat()}:{query.line}"


def invalidate_player(cache: Cache, player_id: int) -> int:
    """Drop every cached context of a player (call when his box scores change)."""
    return cache.delete_prefix(f"context:{player_id}:")


def invalidate_team(cache: Cache, team: str) -> int:
    """Drop a team's cached opponent ratings (call when its games change)."""
    return cache.delete_prefix(f"opponent:{team}:")


class ContextService:
    """Builds player contexts; holds the indexed team games between requests."""

    def __init__(self, sessions: sessionmaker[Session], cache: Cache, settings: Settings) -> None:
        self.sessions = sessions
        self.cache = cache
        self.settings = settings
        self._teams: tuple[tuple[dt.date | None, int], TeamGames] | None = None
        self._lock = threading.Lock()

    # -- public use cases -------------------------------------------------------------------

    def player_context(self, query: ContextQuery) -> dict[str, Any]:
        """The context of one player and stat as of a date (cached)."""
        spec = resolve_stat(query.stat)
        if not 1 <= query.limit <= MAX_LIMIT:
            raise ValidationError(
                f"limit must be between 1 and {MAX_LIMIT}, got {query.limit}.",
                details={"limit": query.limit},
            )
        if query.line is not None and not (0 <= query.line <= spec.max_line):
            raise ValidationError(
                f"line must be between 0 and {spec.max_line} for {spec.key}.",
                details={"line": query.line},
            )
        with self.sessions() as session:
            player = repo.resolve_player(session, query.player)
            as_of = query.as_of or self._default_as_of(session)
            key = context_key(player.player_id, spec, query, as_of)
            cached = self.cache.get(key)
            if cached is not None:
                return dict(cached)
            result = self._compute(session, player, spec, query, as_of)
        self.cache.set(key, result, self.settings.cache_ttl_context)
        return result

    def batch_context(self, items: Sequence[Any]) -> list[dict[str, Any]]:
        """Contexts for up to MAX_BATCH items, in order; a failed item becomes an error item."""
        if len(items) > MAX_BATCH:
            raise PayloadTooLargeError(
                f"A batch holds at most {MAX_BATCH} items, got {len(items)}.",
                details={"max": MAX_BATCH, "received": len(items)},
            )
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=min(BATCH_WORKERS, len(items))) as pool:
            return list(pool.map(self._batch_item, items))

    # -- internals ----------------------------------------------------------------------------

    def _batch_item(self, item: Any) -> dict[str, Any]:
        player = item.get("player") if isinstance(item, Mapping) else None
        try:
            return self.player_context(_query_from_item(item))
        except StatMusePicksError as exc:
            return {"player": player, "error": exc.message, "code": exc.code, "status": exc.status_code}
        except Exception as exc:  # one bad item must never fail the batch
            log.exception("batch context item failed", player=player, error=repr(exc))
            return {"player": player, "error": "Internal error", "code": "internal_error", "status": 500}

    def _default_as_of(self, session: Session) -> dt.date:
        latest = repo.latest_game_date(session)
        if latest is None:
            raise NotFoundError("No box scores are loaded yet: run `statmusepicks data load`.")
        return latest + dt.timedelta(days=1)

    def team_games(self, session: Session) -> TeamGames:
        """Team games indexed once, rebuilt when the stored team games change."""
        stamp = repo.latest_team_game(session)
        with self._lock:
            if self._teams is None or self._teams[0] != stamp:
                self._teams = (stamp, prepare_team_logs(repo.team_game_logs(session)))
            return self._teams[1]

    def _history(self, session: Session, player_id: int, as_of: dt.date) -> pd.DataFrame:
        """This and last season's games before `as_of`, and at least the last 20 games."""
        season = season_of(day_numbers(pd.Series([as_of])))[0]
        since = dt.date(int(season[:4]) - 1, 9, 1)
        seasons = repo.player_game_logs(session, [player_id], since=since, before=as_of)
        if len(seasons) >= MIN_HISTORY_GAMES:
            return seasons
        recent = repo.recent_player_game_logs(
            session, player_id, before=as_of, limit=MIN_HISTORY_GAMES
        )
        return pd.concat([recent, seasons]).drop_duplicates(["player_id", "game_id"])

    def _compute(
        self,
        session: Session,
        player: repo.PlayerRef,
        spec: StatSpec,
        query: ContextQuery,
        as_of: dt.date,
    ) -> dict[str, Any]:
        history = self._history(session, player.player_id, as_of)
        team = str(history["team"].iloc[-1]) if len(history) else (player.team or "")
        game = repo.next_game(session, team, as_of) if team else None
        game_date = game.game_date if game else as_of
        target_season = season_of(day_numbers(pd.Series([game_date])))[0]
        teammates = repo.team_player_logs(session, team, target_season, before=as_of)
        absences = repo.reported_out(session, team, game_date) if game else None
        target = pd.DataFrame(
            {
                "player_id": [player.player_id],
                "game_date": [game_date],
                "season": [target_season],
                "team": [team],
                "opp": [game.opp if game else ""],
                "is_home": [game.is_home if game else False],
            }
        )
        logs = pd.concat([history, teammates]).drop_duplicates(["player_id", "game_id"])
        inputs = prepare_inputs(logs, self.team_games(session), target, absences)
        name = str(history["player_name"].iloc[-1]) if len(history) else player.name
        return {
            "player": name,
            "playerId": player.player_id,
            "team": team or None,
            "stat": spec.key,
            "statLabel": spec.label,
            **_form(inputs, spec, query),
            "opponent": self._opponent(inputs, game) if game else None,
            "contextualFactors": _factors(inputs, game),
            "advanced": _advanced(inputs),
            "nextGame": None
            if game is None
            else {"date": game.game_date.isoformat(), "opponent": game.opp, "home": game.is_home},
            "asOf": as_of.isoformat(),
        }

    def _opponent(self, inputs: FeatureInputs, game: repo.ScheduledGame) -> dict[str, Any]:
        key = f"opponent:{game.opp}:{game.game_date.isoformat()}"
        cached = self.cache.get(key)
        if cached is not None:
            return dict(cached)
        day = inputs.targets["day"].to_numpy()
        code = team_codes(np.array([game.opp]))
        season = inputs.targets["season"].to_numpy()
        ratings = opponent.ratings_as_of(inputs.teams, code, day, season).iloc[0]
        rank = opponent.defence_ranks(inputs.teams, day)[0][code[0]] if code[0] < 30 else None
        result = {
            "name": game.opp,
            "defensiveRating": _number(ratings["drtg"], 1),
            "pace": _number(ratings["pace"], 1),
            "rank": None if rank is None else int(rank),
            "gamesThisSeason": int(ratings["games"]),
            "source": opponent.RATING_SOURCES[int(ratings["source"])],
        }
        self.cache.set(key, result, self.settings.cache_ttl_opponent)
        return result


def _query_from_item(item: Any) -> ContextQuery:
    if not isinstance(item, Mapping):
        raise ValidationError("Each batch item must be an object with player, stat and limit.")
    player = item.get("player")
    if player is None or str(player).strip() == "":
        raise ValidationError("Batch item lacks 'player'.")
    try:
        limit = int(item.get("limit", DEFAULT_LIMIT))
        line = None if item.get("line") is None else float(item["line"])
        as_of = None if item.get("date") is None else dt.date.fromisoformat(str(item["date"]))
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Bad batch item: {exc}") from exc
    return ContextQuery(
        player=str(player),
        stat=str(item.get("stat", "points")),
        limit=limit,
        as_of=as_of,
        line=line,
    )


def _stat_values(history: pd.DataFrame, spec: StatSpec) -> np.ndarray:
    total = np.zeros(len(history))
    for column, weight in spec.weights:
        total = total + history[column].to_numpy(float) * weight
    return total


def _form(inputs: FeatureInputs, spec: StatSpec, query: ContextQuery) -> dict[str, Any]:
    """Recent games, season average, rolling averages, trend and hit rates of the stat."""
    history, targets = inputs.history, inputs.targets
    values = _stat_values(history, spec)
    lags = inputs.players.lags(values, inputs.previous, rolling.FORM_DEPTH)
    summary = {name: series[0] for name, series in rolling.form_summary(lags).items()}
    recent = history.tail(query.limit).iloc[::-1]
    recent_values = values[len(history) - len(recent) :][::-1]
    season = str(targets["season"].iloc[0])
    this_season = (history["season"] == season).to_numpy()
    last_label = str(previous_season(pd.Series([season])).iloc[0])
    last_season = (history["season"] == last_label).to_numpy()
    averaged = this_season if this_season.any() else last_season
    sma10 = summary["sma10"]
    slope = summary["slope10"]
    change = slope * 9 / abs(sma10) if sma10 and not np.isnan(slope) else 0.0
    direction = "up" if change > TREND_THRESHOLD else "down" if change < -TREND_THRESHOLD else "flat"
    form: dict[str, Any] = {
        "season": season,
        "recentGames": [
            {
                "date": _date(row.day),
                "gameDate": _date(row.day),
                "gameId": row.game_id,
                "opponent": row.opp,
                "home": bool(row.is_home),
                "statValue": _number(value, None),
                "minutes": _number(row.min, None),
            }
            for row, value in zip(recent.itertuples(), recent_values, strict=True)
        ],
        "seasonAvg": _number(values[averaged].mean(), None) if averaged.any() else None,
        "seasonAvgSeason": season if this_season.any() else (last_label if averaged.any() else None),
        "gamesThisSeason": int(this_season.sum()),
        "noGamesThisSeason": not bool(this_season.any()),
        "rollingAverages": {
            "sma3": _number(summary["sma3"]),
            "sma5": _number(summary["sma5"]),
            "sma10": _number(summary["sma10"]),
            "ema": _number(summary["ema"]),
            "wma": _number(summary["wma10"]),
        },
        "trend": {"direction": direction, "slope": _number(slope)},
        "projectedMinutes": _number(
            rolling.form_summary(inputs.player_lags("min", rolling.FORM_DEPTH))["ema"][0], 1
        ),
        "hitRates": None,
    }
    if query.line is not None:
        rates = rolling.hit_rates(lags, np.array([query.line]))
        form["hitRates"] = {"line": query.line} | {
            f"last{window[1:]}": _number(rate[0]) for window, rate in rates.items()
        }
    return form


def _factors(inputs: FeatureInputs, game: repo.ScheduledGame | None) -> dict[str, Any]:
    schedule = context.schedule(inputs).iloc[0]
    last_day = inputs.players.state(inputs.players.day, inputs.previous)[0]
    rest = None if np.isnan(last_day) else int(inputs.targets["day"].iloc[0] - last_day)
    return {
        "daysRest": rest,
        "isBackToBack": None if rest is None else rest == 1,
        "isHome": None if game is None else game.is_home,
        "gamesLast7Days": int(schedule["f_games_last7"]),
    }


def _advanced(inputs: FeatureInputs) -> dict[str, Any]:
    rates = advanced.efficiency(inputs).iloc[0]
    return {
        "usage": _number(rates["f_usg_pct_l10"], 1),
        "trueShooting": _number(rates["f_ts_pct_l10"] * 100, 1),
        "effectiveFieldGoal": _number(rates["f_efg_pct_l10"] * 100, 1),
        "gameScore": _number(rates["f_game_score_l10"], 1),
        "pie": _number(rates["f_pie_l10"] * 100, 1),
        "window": advanced.EFFICIENCY_WINDOW,
    }


def context_service(container: Container) -> ContextService:
    """The container's long-lived ContextService (created on first use)."""
    service = container.extras.get("context_service")
    if service is None:
        service = ContextService(container.sessions, container.cache, container.settings)
        container.extras["context_service"] = service
    return service  # type: ignore[no-any-return]
