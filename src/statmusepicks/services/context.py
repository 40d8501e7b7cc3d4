"""Use case: the player context the frontend shows next to a prop (recent form, opponent, rest).

Everything is computed by the feature pipeline's own functions on the player's games strictly
before `asOf`, so the context and the models see the same numbers. Answers are cached (context
6 h, opponent 24 h) under keys that include the newest stored game (the default `asOf` is the
day after it), so newly arrived games change every key by themselves;
`cache_invalidation.invalidate_player` / `invalidate_team` drop entries after a stat correction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic
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
from statmusepicks.data.repositories.availability import ReportedStatus
from statmusepicks.features.inputs import TeamGames
from statmusepicks.services.container import Container
from statmusepicks.services.context_blocks import (
    Form,
    SharedBlocks,
    advanced_rates,
    factors,
    opponent_ratings,
)
from statmusepicks.services.context_inputs import ContextInputs, build_context_inputs
from statmusepicks.services.context_models import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_BATCH,
    MAX_LIMIT,
    ContextError,
    ContextItem,
    ContextQuery,
    NextGame,
    OpponentContext,
    PlayerContext,
    PlayerStatus,
)
from statmusepicks.services.pricing import status_document
from statmusepicks.services.serving_inputs import TeamGamesCache

log = get_logger(__name__)

BatchResult = PlayerContext | ContextError


def context_key(
    player_id: int, spec: StatSpec, query: ContextQuery, as_of: dt.date, loaded: dt.date
) -> str:
    """Cache key of a context. `loaded` (the newest stored game) changes when games arrive."""
    return (
        f"context:{player_id}:{spec.key}:{query.limit}:{as_of.isoformat()}:{query.line}:"
        f"{loaded.isoformat()}"
    )


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

    def player_context(self, query: ContextQuery) -> PlayerContext:
        """The context of one player and stat as of a date (cached)."""
        with self.sessions() as session:
            request = self._request(session, query)
            if isinstance(request, PlayerContext):
                return request
            result = self._compute(session, [request])[0]
        self._store(request, result)
        return result

    def batch_context(self, items: Sequence[Any]) -> list[BatchResult]:
        """Contexts for up to MAX_BATCH items, in order; a failed item becomes an error item."""
        if len(items) > MAX_BATCH:
            raise PayloadTooLargeError(
                f"A batch holds at most {MAX_BATCH} items, got {len(items)}.",
                details={"max": MAX_BATCH, "received": len(items)},
            )
        results: list[BatchResult | None] = [None] * len(items)
        pending: list[tuple[int, _Request]] = []
        with self.sessions() as session:
            for index, item in enumerate(items):
                try:
                    request = self._request(session, _query_from_item(item))
                except Exception as exc:  # one bad item must never fail the batch
                    results[index] = _error_item(item, exc)
                    continue
                if isinstance(request, PlayerContext):
                    results[index] = request
                else:
                    pending.append((index, request))
            for index, result in self._compute_isolated(session, pending):
                results[index] = result
        return [result for result in results if result is not None]

    def team_games(self, session: Session) -> TeamGames:
        """Team games indexed once per process, rebuilt when the stored team games change."""
        return self._teams.get(session)

    # -- internals ----------------------------------------------------------------------------

    def _request(self, session: Session, query: ContextQuery) -> _Request | PlayerContext:
        """Validate and resolve a query; the cached answer when there is one."""
        spec = resolve_stat(query.stat)
        _check_ranges(query, spec)
        player = repo.resolve_player(session, query.player)
        loaded = self._latest_game(session)
        as_of = query.as_of or loaded + dt.timedelta(days=1)
        key = context_key(player.player_id, spec, query, as_of, loaded)
        cached = self.cache.get(key)
        if cached is not None:
            return PlayerContext.model_validate(cached)
        return _Request(player, spec, query, as_of, key)

    def _store(self, request: _Request, result: PlayerContext) -> None:
        document = result.model_dump(mode="json", by_alias=True)
        self.cache.set(request.key, document, self.settings.cache_ttl_context)

    def _compute_isolated(
        self, session: Session, pending: list[tuple[int, _Request]]
    ) -> list[tuple[int, BatchResult]]:
        """Compute all pending requests at once; if that fails, one by one (isolating errors)."""
        if not pending:
            return []
        done: list[tuple[int, BatchResult]]
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
        for (_, request), (_, result) in zip(pending, done, strict=True):
            if isinstance(result, PlayerContext):
                self._store(request, result)
        return done

    def _latest_game(self, session: Session) -> dt.date:
        latest = repo.latest_game_date(session)
        if latest is None:
            raise NotFoundError("No box scores are loaded yet: run `statmusepicks data load`.")
        return latest

    def _compute(self, session: Session, requests: list[_Request]) -> list[PlayerContext]:
        """Contexts of requests, with one feature-input build per distinct `asOf`."""
        results: dict[int, PlayerContext] = {}
        by_date: dict[dt.date, list[int]] = {}
        for position, request in enumerate(requests):
            by_date.setdefault(request.as_of, []).append(position)
        for as_of, positions in by_date.items():
            chosen = [requests[position] for position in positions]
            players = {request.player.player_id: request.player for request in chosen}
            built = build_context_inputs(session, players, as_of, self.team_games(session))
            shared = SharedBlocks(built.inputs)
            order = {pid: row for row, pid in enumerate(players)}
            for position, request in zip(positions, chosen, strict=True):
                row = order[request.player.player_id]
                results[position] = self._context(built, shared, row, request)
        return [results[position] for position in range(len(requests))]

    def _context(
        self, built: ContextInputs, shared: SharedBlocks, row: int, request: _Request
    ) -> PlayerContext:
        inputs = built.inputs
        team = str(inputs.targets["team"].iloc[row])
        game = built.games.get(team)
        previous = int(inputs.previous[row])
        name = (
            str(inputs.history["player_name"].iloc[previous])
            if previous >= 0
            else request.player.name
        )
        form = Form(inputs, shared, row, request.spec, request.query.limit, request.query.line)
        return PlayerContext(
            player=name,
            player_id=request.player.player_id,
            team=team or None,
            stat=request.spec.key,
            stat_label=request.spec.label,
            season=form.season,
            recent_games=form.recent_games,
            season_avg=form.season_avg,
            season_avg_season=form.season_avg_season,
            games_this_season=form.games_this_season,
            no_games_this_season=form.games_this_season == 0,
            rolling_averages=form.rolling_averages,
            trend=form.trend,
            projected_minutes=form.projected_minutes,
            hit_rates=form.hit_rates,
            opponent=None if game is None else self._opponent(built, row, game),
            contextual_factors=factors(inputs, shared, row, game),
            advanced=advanced_rates(shared, row),
            next_game=None
            if game is None
            else NextGame(date=game.game_date, opponent=game.opp, home=game.is_home),
            player_status=_player_status(built.statuses.get(request.player.player_id)),
            as_of=request.as_of,
        )

    def _opponent(
        self, built: ContextInputs, row: int, game: repo.ScheduledGame
    ) -> OpponentContext:
        """The opponent's ratings, cached per opponent, game date and stored team games."""
        games = built.inputs.teams.games
        loaded = int(games["day"].max()) if len(games) else 0
        key = f"opponent:{game.opp}:{game.game_date.isoformat()}:{loaded}"
        cached = self.cache.get(key)
        if cached is not None:
            return OpponentContext.model_validate(cached)
        result = opponent_ratings(built.inputs, row, game)
        document = result.model_dump(mode="json", by_alias=True)
        self.cache.set(key, document, self.settings.cache_ttl_opponent)
        return result


def _player_status(status: ReportedStatus | None) -> PlayerStatus | None:
    """The status as predict and the board state it (`pricing.status_document`)."""
    document = status_document(status)
    return None if document is None else PlayerStatus.model_validate(document)


def _check_ranges(query: ContextQuery, spec: StatSpec) -> None:
    """The limits the HTTP contract publishes, enforced for every caller."""
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
    if query.as_of is not None and not (EARLIEST_DATE <= query.as_of <= LATEST_DATE):
        raise ValidationError(
            f"date must be between {EARLIEST_DATE} and {LATEST_DATE}.",
            details={"date": query.as_of.isoformat()},
        )


def _error_item(item: Any, exc: Exception) -> ContextError:
    raw = item.get("player", item.get("player_name")) if isinstance(item, Mapping) else None
    player = raw if raw is None or isinstance(raw, str | int) else str(raw)
    if isinstance(exc, StatMusePicksError):
        return ContextError(player=player, error=exc.message, code=exc.code, status=exc.status_code)
    log.error("batch context item failed", player=player, error=repr(exc))
    return ContextError(player=player, error="Internal error", code="internal_error", status=500)


def _query_from_item(item: Any) -> ContextQuery:
    if not isinstance(item, Mapping):
        raise ValidationError("Each batch item must be an object with player, stat and limit.")
    try:
        return ContextItem.model_validate(item).to_query()
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ValidationError(f"Bad batch item: {problems}") from exc


def context_service(container: Container) -> ContextService:
    """The container's long-lived ContextService (created once, on first use)."""
    return container.service(
        ContextService,
        lambda c: ContextService(c.sessions, c.cache, c.settings, c.team_games),
    )
