"""Use case: the player context the frontend shows next to a prop (recent form, opponent, rest).

Everything is computed by the feature pipeline's own functions on the player's games strictly
before `asOf`, so the context and the models see the same numbers. Answers are cached (context
6 h, opponent 24 h) under keys that include the newest stored game (the default `asOf` is the
day after it), so newly arrived games change every key by themselves; `invalidate_player` /
`invalidate_team` drop entries after a stat correction.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
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
from statmusepicks.features.arenas import TEAMS, team_codes
from statmusepicks.features.inputs import (
    FeatureInputs,
    TeamGames,
    prepare_inputs,
    previous_season,
    season_of,
)
from statmusepicks.features.timeline import day_numbers
from statmusepicks.services.container import Container
from statmusepicks.services.players import TeamGamesCache, team_games_cache

log = get_logger(__name__)

DEFAULT_LIMIT = 10
MAX_LIMIT = 82
MAX_BATCH = 50
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


def context_key(
    player_id: int, spec: StatSpec, query: ContextQuery, as_of: dt.date, loaded: dt.date
) -> str:
    """Cache key of a context. `loaded` (the newest stored game) changes when games arrive."""
    return (
        f"context:{player_id}:{spec.key}:{query.limit}:{as_of.isoformat()}:{query.line}:"
        f"{loaded.isoformat()}"
    )


def invalidate_player(cache: Cache, player_id: int) -> int:
    """Drop every cached context of a player (call when his box scores change)."""
    return cache.delete_prefix(f"context:{player_id}:")


def invalidate_team(cache: Cache, team: str) -> int:
    """Drop a team's cached opponent ratings (call when its games change)."""
    return cache.delete_prefix(f"opponent:{team}:")


@dataclass(frozen=True)
class _Request:
    """A validated request whose player is resolved and whose answer is not cached."""

    player: repo.PlayerRef
    spec: StatSpec
    query: ContextQuery
    as_of: dt.date
    key: str


class ContextService:
    """Builds player contexts; holds the indexed team games between requests.

    Uncached requests are computed together: one feature-input build covers every player of a
    batch, so 50 contexts cost a few queries and one vectorized pass, not 50 of each.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cache: Cache,
        settings: Settings,
        teams: TeamGamesCache | None = None,
    ) -> None:
        self.sessions = sessions
        self.cache = cache
        self.settings = settings
        self._teams = teams or TeamGamesCache()

    # -- public use cases -------------------------------------------------------------------

    def player_context(self, query: ContextQuery) -> dict[str, Any]:
        """The context of one player and stat as of a date (cached)."""
        with self.sessions() as session:
            request = self._request(session, query)
            if isinstance(request, dict):
                return request
            result = self._compute(session, [request])[0]
        self.cache.set(request.key, result, self.settings.cache_ttl_context)
        return result

    def batch_context(self, items: Sequence[Any]) -> list[dict[str, Any]]:
        """Contexts for up to MAX_BATCH items, in order; a failed item becomes an error item."""
        if len(items) > MAX_BATCH:
            raise PayloadTooLargeError(
                f"A batch holds at most {MAX_BATCH} items, got {len(items)}.",
                details={"max": MAX_BATCH, "received": len(items)},
            )
        results: list[dict[str, Any] | None] = [None] * len(items)
        pending: list[tuple[int, _Request]] = []
        with self.sessions() as session:
            for index, item in enumerate(items):
                try:
                    request = self._request(session, _query_from_item(item))
                except Exception as exc:  # one bad item must never fail the batch
                    results[index] = _error_item(item, exc)
                    continue
                if isinstance(request, dict):
                    results[index] = request
                else:
                    pending.append((index, request))
            for index, result in self._compute_isolated(session, pending):
                results[index] = result
        return [result for result in results if result is not None]

    # -- internals ----------------------------------------------------------------------------

    def _request(self, session: Session, query: ContextQuery) -> _Request | dict[str, Any]:
        """Validate and resolve a query; the cached answer when there is one."""
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
        player = repo.resolve_player(session, query.player)
        loaded = self._latest_game(session)
        as_of = query.as_of or loaded + dt.timedelta(days=1)
        key = context_key(player.player_id, spec, query, as_of, loaded)
        cached = self.cache.get(key)
        if cached is not None:
            return dict(cached)
        return _Request(player, spec, query, as_of, key)

    def _compute_isolated(
        self, session: Session, pending: list[tuple[int, _Request]]
    ) -> list[tuple[int, dict[str, Any]]]:
        """Compute all pending requests at once; if that fails, one by one (isolating errors)."""
        if not pending:
            return []
        try:
            results = self._compute(session, [request for _, request in pending])
            done = list(zip([index for index, _ in pending], results, strict=True))
        except Exception as exc:
            log.warning("batch context failed as a whole; retrying item by item", error=repr(exc))
            done = []
            for index, request in pending:
                try:
                    done.append((index, self._compute(session, [request])[0]))
                except Exception as item_exc:
                    done.append((index, _error_item({"player": request.query.player}, item_exc)))
                    continue
        for (_, request), (_, result) in zip(pending, done, strict=True):
            if "error" not in result:
                self.cache.set(request.key, result, self.settings.cache_ttl_context)
        return done

    def _latest_game(self, session: Session) -> dt.date:
        latest = repo.latest_game_date(session)
        if latest is None:
            raise NotFoundError("No box scores are loaded yet: run `statmusepicks data load`.")
        return latest

    def team_games(self, session: Session) -> TeamGames:
        """Team games indexed once per process, rebuilt when the stored team games change."""
        return self._teams.get(session)

    def _histories(self, session: Session, player_ids: list[int], as_of: dt.date) -> pd.DataFrame:
        """This and last season's games before `as_of`, and at least each one's last 20 games."""
        season = season_of(day_numbers(pd.Series([as_of])))[0]
        since = dt.date(int(season[:4]) - 1, 9, 1)
        seasons = repo.player_game_logs(session, player_ids, since=since, before=as_of)
        counts = seasons["player_id"].value_counts()
        short = [pid for pid in player_ids if counts.get(pid, 0) < MIN_HISTORY_GAMES]
        older = [
            repo.recent_player_game_logs(session, pid, before=as_of, limit=MIN_HISTORY_GAMES)
            for pid in short
        ]
        return pd.concat([*older, seasons]).drop_duplicates(["player_id", "game_id"])

    def _compute(self, session: Session, requests: list[_Request]) -> list[dict[str, Any]]:
        """Contexts of requests, with one feature-input build per distinct `asOf`."""
        results: dict[int, dict[str, Any]] = {}
        by_date: dict[dt.date, list[int]] = {}
        for position, request in enumerate(requests):
            by_date.setdefault(request.as_of, []).append(position)
        for as_of, positions in by_date.items():
            chosen = [requests[position] for position in positions]
            for position, result in zip(
                positions, self._compute_as_of(session, chosen, as_of), strict=True
            ):
                results[position] = result
        return [results[position] for position in range(len(requests))]

    def _compute_as_of(
        self, session: Session, requests: list[_Request], as_of: dt.date
    ) -> list[dict[str, Any]]:
        players = {request.player.player_id: request.player for request in requests}
        history = self._histories(session, list(players), as_of)
        last_team = history.groupby("player_id")["team"].last()
        teams = {pid: str(last_team.get(pid, player.team or "")) for pid, player in players.items()}
        games = {team: repo.next_game(session, team, as_of) for team in set(teams.values()) if team}
        rows, absences, rosters = [], [], []
        for pid in players:
            team = teams[pid]
            game = games.get(team)
            game_date = game.game_date if game else as_of
            season = season_of(day_numbers(pd.Series([game_date])))[0]
            rows.append(
                {
                    "player_id": pid,
                    "game_date": game_date,
                    "season": season,
                    "team": team,
                    "opp": game.opp if game else "",
                    "is_home": game.is_home if game else False,
                }
            )
            if team and (team, season) not in rosters:
                rosters.append((team, season))
                if game is not None:
                    absences.append(repo.reported_out(session, team, game_date))
        teammates = [
            repo.team_player_logs(session, team, season, before=as_of) for team, season in rosters
        ]
        logs = pd.concat([history, *teammates]).drop_duplicates(["player_id", "game_id"])
        listed = pd.concat(absences).drop_duplicates() if absences else None
        inputs = prepare_inputs(logs, self.team_games(session), pd.DataFrame(rows), listed)
        shared = _SharedBlocks(inputs)
        order = {pid: index for index, pid in enumerate(players)}
        return [
            self._context(inputs, shared, order[request.player.player_id], request, games)
            for request in requests
        ]

    def _context(
        self,
        inputs: FeatureInputs,
        shared: _SharedBlocks,
        row: int,
        request: _Request,
        games: Mapping[str, repo.ScheduledGame | None],
    ) -> dict[str, Any]:
        target = inputs.targets.iloc[row]
        team = str(target["team"])
        game = games.get(team)
        previous = int(inputs.previous[row])
        name = (
            str(inputs.history["player_name"].iloc[previous])
            if previous >= 0
            else request.player.name
        )
        return {
            "player": name,
            "playerId": request.player.player_id,
            "team": team or None,
            "stat": request.spec.key,
            "statLabel": request.spec.label,
            **_form(inputs, shared, row, request.spec, request.query),
            "opponent": self._opponent(inputs, row, game) if game else None,
            "contextualFactors": _factors(inputs, shared, row, game),
            "advanced": _advanced(shared, row),
            "nextGame": None
            if game is None
            else {"date": game.game_date.isoformat(), "opponent": game.opp, "home": game.is_home},
            "asOf": request.as_of.isoformat(),
        }

    def _opponent(
        self, inputs: FeatureInputs, row: int, game: repo.ScheduledGame
    ) -> dict[str, Any]:
        loaded = int(inputs.teams.games["day"].max()) if len(inputs.teams.games) else 0
        key = f"opponent:{game.opp}:{game.game_date.isoformat()}:{loaded}"
        cached = self.cache.get(key)
        if cached is not None:
            return dict(cached)
        day = inputs.targets["day"].to_numpy()[row : row + 1]
        code = team_codes(np.array([game.opp]))
        season = inputs.targets["season"].to_numpy()[row : row + 1]
        ratings = opponent.ratings_as_of(inputs.teams, code, day, season).iloc[0]
        known = code[0] < len(TEAMS)
        rank = opponent.defence_ranks(inputs.teams, day)[0][code[0]] if known else None
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


class _SharedBlocks:
    """Feature blocks computed once for every target of a build, read per request."""

    def __init__(self, inputs: FeatureInputs) -> None:
        self.schedule = context.schedule(inputs)
        self.efficiency = advanced.efficiency(inputs)
        minutes = rolling.form_summary(inputs.player_lags("min", rolling.FORM_DEPTH))
        self.projected_minutes = minutes["ema"]
        self._values: dict[str, np.ndarray] = {}
        self._summaries: dict[str, dict[str, np.ndarray]] = {}
        self._inputs = inputs

    def values(self, spec: StatSpec) -> np.ndarray:
        """The stat of every history game (combos and fantasy scoring summed by weight)."""
        if spec.key not in self._values:
            self._values[spec.key] = _stat_values(self._inputs.history, spec)
        return self._values[spec.key]

    def lags(self, spec: StatSpec) -> np.ndarray:
        inputs = self._inputs
        return inputs.memo(
            f"context-lags:{spec.key}",
            lambda: inputs.players.lags(self.values(spec), inputs.previous, rolling.FORM_DEPTH),
        )

    def summary(self, spec: StatSpec) -> dict[str, np.ndarray]:
        if spec.key not in self._summaries:
            self._summaries[spec.key] = rolling.form_summary(self.lags(spec))
        return self._summaries[spec.key]


def _error_item(item: Any, exc: Exception) -> dict[str, Any]:
    player = item.get("player") if isinstance(item, Mapping) else None
    if isinstance(exc, StatMusePicksError):
        return {"player": player, "error": exc.message, "code": exc.code, "status": exc.status_code}
    log.error("batch context item failed", player=player, error=repr(exc))
    return {"player": player, "error": "Internal error", "code": "internal_error", "status": 500}


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


def _form(
    inputs: FeatureInputs, shared: _SharedBlocks, row: int, spec: StatSpec, query: ContextQuery
) -> dict[str, Any]:
    """Recent games, season average, rolling averages, trend and hit rates of the stat."""
    history = inputs.history
    previous = int(inputs.previous[row])
    start = previous - int(inputs.players.position[previous]) if previous >= 0 else 0
    games = history.iloc[start : previous + 1]
    values = shared.values(spec)[start : previous + 1]
    summary = {name: series[row] for name, series in shared.summary(spec).items()}
    recent = games.tail(query.limit).iloc[::-1]
    recent_values = values[len(values) - len(recent) :][::-1]
    season = str(inputs.targets["season"].iloc[row])
    this_season = (games["season"] == season).to_numpy()
    last_label = str(previous_season([season])[0])
    averaged = this_season if this_season.any() else (games["season"] == last_label).to_numpy()
    sma10, slope = summary["sma10"], summary["slope10"]
    change = slope * 9 / abs(sma10) if sma10 and not np.isnan(slope) else 0.0
    direction = (
        "up" if change > TREND_THRESHOLD else "down" if change < -TREND_THRESHOLD else "flat"
    )
    form: dict[str, Any] = {
        "season": season,
        "recentGames": [
            {
                "date": _date(game.day),
                "gameDate": _date(game.day),
                "gameId": game.game_id,
                "opponent": game.opp,
                "home": bool(game.is_home),
                "statValue": _number(value, None),
                "minutes": _number(game.min, None),
            }
            for game, value in zip(recent.itertuples(), recent_values, strict=True)
        ],
        "seasonAvg": _number(values[averaged].mean(), None) if averaged.any() else None,
        "seasonAvgSeason": season
        if this_season.any()
        else (last_label if averaged.any() else None),
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
        "projectedMinutes": _number(shared.projected_minutes[row], 1),
        "hitRates": None,
    }
    if query.line is not None:
        lags = shared.lags(spec)[row : row + 1]
        rates = rolling.hit_rates(lags, np.array([query.line]))
        form["hitRates"] = {"line": query.line} | {
            f"last{window[1:]}": _number(rate[0]) for window, rate in rates.items()
        }
    return form


def _factors(
    inputs: FeatureInputs, shared: _SharedBlocks, row: int, game: repo.ScheduledGame | None
) -> dict[str, Any]:
    previous = int(inputs.previous[row])
    last_day = inputs.players.day[previous] if previous >= 0 else None
    target_day = int(inputs.targets["day"].iloc[row])
    rest = None if last_day is None else target_day - int(last_day)
    return {
        "daysRest": rest,
        "isBackToBack": None if rest is None else rest == 1,
        "isHome": None if game is None else game.is_home,
        "gamesLast7Days": int(shared.schedule["f_games_last7"].iloc[row]),
    }


def _advanced(shared: _SharedBlocks, row: int) -> dict[str, Any]:
    rates = shared.efficiency.iloc[row]
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
        service = ContextService(
            container.sessions, container.cache, container.settings, team_games_cache(container)
        )
        container.extras["context_service"] = service
    return service  # type: ignore[no-any-return]
