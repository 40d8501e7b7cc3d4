"""The dashboard's pages: each route translates a request into service calls and a template.

Pages are HTML, so errors never become JSON here: an unknown or ambiguous player gets a
friendly page with suggestions, and a service without a model or data greys out its own
section (see rendering.section) while the rest of the page renders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.types import DecoratedCallable

from statmusepicks.core.errors import (
    AmbiguousError,
    AuthenticationError,
    NotFoundError,
    StatMusePicksError,
    ValidationError,
)
from statmusepicks.core.stats import STATS, resolve_stat
from statmusepicks.services.backtests import MAX_BACKTEST_ID, get_backtest, list_backtests
from statmusepicks.services.container import Container
from statmusepicks.services.keys import check_key
from statmusepicks.services.models import loaded_models
from statmusepicks.services.status import health_report
from statmusepicks.services.track_record import track_record
from statmusepicks.web import (
    access,
    dashboard_alerts,
    dashboard_board,
    dashboard_models,
    dashboard_monitoring,
    dashboard_players,
    dashboard_slips,
    dashboard_status,
    player_analysis,
)
from statmusepicks.web.rendering import STATIC_DIR, Section, render, section

router = APIRouter()
router.include_router(player_analysis.router)
router.include_router(dashboard_slips.router)
router.include_router(dashboard_alerts.router)
__all__ = ["STATIC_DIR", "router"]

STAT_CHOICES = [(spec.key, spec.label) for spec in STATS.values()]
SORTS = [
    ("ev", "Expected value"),
    ("edge", "Edge"),
    ("p_over", "P(over)"),
    ("player", "Player"),
    ("line", "Line"),
]
# Files of a backtest report a browser may open (the rest stay on disk).
REPORT_FILES = {".html", ".png", ".csv", ".json"}
# Package data, so that an installed wheel serves it too.
BACKTEST_EXAMPLE = Path(__file__).resolve().parent / "backtest_example"


def get_container(request: Request) -> Container:
    """The container the app factory built (pages share it with the API)."""
    container: Container = request.app.state.container
    return container


def _error_page(
    request: Request, exc: StatMusePicksError, *, query: str | None = None, stat: str | None = None
) -> HTMLResponse:
    """A friendly page for a player name nobody has, or that several people share."""
    if isinstance(exc, AmbiguousError):
        heading = "Several players match"
        message = f"“{query}” matches more than one player. Pick one:"
    elif isinstance(exc, NotFoundError) and "player" in exc.details:
        heading = "Player not found"
        message = (
            f"We couldn't find a player called “{query}”. Check the spelling, or search below: "
            "accents and capitals don't matter."
        )
    elif isinstance(exc, NotFoundError):
        heading = "Not available yet"
        message = exc.message
    else:
        heading = "That request didn't work"
        message = exc.message
    return render(
        request,
        "error.html",
        {
            "heading": heading,
            "message": message,
            "candidates": exc.details.get("candidates", []),
            "query": query,
            "stat": stat,
            "search": True,
        },
        status_code=exc.status_code,
    )


# ----------------------------------------------------------------------------- access
def _back_to(
    next_path: str, cookie: str, value: str, max_age: int, **flags: Any
) -> RedirectResponse:
    """Go where the visitor was headed, remembering `cookie` (HTTP-only) for `max_age` s."""
    response = RedirectResponse(access.safe_next(next_path), status_code=303)
    response.set_cookie(cookie, value, max_age=max_age, httponly=True, **flags)
    return response


@router.get("/age-check", include_in_schema=False, response_class=HTMLResponse)
def age_check(request: Request, next: str = Query("/", max_length=2000)) -> HTMLResponse:
    """The 18+ / 21+ confirmation asked on the first visit."""
    return render(request, "age_gate.html", {"next": access.safe_next(next)})


@router.post("/age-check", include_in_schema=False)
def confirm_age(age: str = Form(...), next: str = Form("/")) -> RedirectResponse:
    """Remember the confirmation in a cookie for a year, then go where the visitor was headed."""
    if age not in access.AGES:
        target = quote(access.safe_next(next), safe="")
        return RedirectResponse(f"/age-check?next={target}", status_code=303)
    return _back_to(next, access.AGE_COOKIE, age, access.AGE_COOKIE_SECONDS, samesite="lax")


@router.get("/login", include_in_schema=False, response_class=HTMLResponse)
def login(request: Request, next: str = Query("/", max_length=2000)) -> HTMLResponse:
    """Ask for an API key (only when DASHBOARD_REQUIRES_KEY is on)."""
    return render(request, "login.html", {"next": access.safe_next(next)})


@router.post("/login", include_in_schema=False, response_model=None)
def submit_key(
    request: Request,
    key: str = Form(...),
    next: str = Form("/"),
    container: Container = Depends(get_container),
) -> Response:
    """Check the key with the keys service and keep it in a cookie."""
    valid = access.key_is_valid(container, key, check_key)
    if not valid:
        context = {"next": access.safe_next(next), "error": "That key is unknown or revoked."}
        return render(request, "login.html", context, status_code=401)
    secure = request.url.scheme == "https"
    return _back_to(
        next, access.KEY_COOKIE, key, access.KEY_COOKIE_SECONDS, samesite="strict", secure=secure
    )


def guarded_get(path: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """GET `path` for a visitor `access.viewer` lets through (outside the API schema)."""
    return router.get(
        path, include_in_schema=False, response_model=None, dependencies=[Depends(access.viewer)]
    )


# ----------------------------------------------------------------------------- pages
@guarded_get("/")
def board_page(
    request: Request,
    date: str | None = Query(None, max_length=10),
    stat: str | None = Query(None, max_length=40),
    book: str | None = Query(None, max_length=40),
    min_edge: str | None = Query(None, max_length=20),
    sort: str = Query("ev", max_length=20),
    lines: str = Query("main", max_length=20),
    container: Container = Depends(get_container),
) -> Response:
    """The props board: the day's stored lines priced by the model."""
    try:
        filters = dashboard_board.BoardFilters.parse(date, stat, book, min_edge, sort, lines)
    except ValidationError as exc:
        return _error_page(request, exc)
    dates = dashboard_board.line_dates(container)
    if filters.date is None and dates:
        filters = filters.on(dates[0])
    board = section(dashboard_board.board_view, container, filters)
    books = dashboard_board.books_on(container, filters.date)
    return render(
        request,
        "board.html",
        {
            "board": board,
            "filters": filters,
            "dates": dates,
            "books": books,
            "stats": STAT_CHOICES,
            "stat_labels": dict(STAT_CHOICES),
            "sorts": SORTS,
        },
    )


@guarded_get("/player")
def player_page(
    request: Request,
    name: str | None = Query(None, max_length=100),
    stat: str = Query("points", max_length=40),
    line: str | None = Query(None, max_length=20),
    odds_over: str | None = Query(None, max_length=20),
    odds_under: str | None = Query(None, max_length=20),
    predict: bool = Query(False),
    container: Container = Depends(get_container),
) -> Response:
    """Search, recent games against a line, form, opponent, rest, and a live price."""
    query: dict[str, Any] = {
        "name": (name or "").strip(),
        "stat": stat,
        "odds_over": odds_over or "-110",
        "odds_under": odds_under or "-110",
    }
    context: dict[str, Any] = {"query": query, "stats": STAT_CHOICES, "view": None}
    if not query["name"]:
        return render(request, "player.html", context)
    try:
        spec = resolve_stat(stat)
        query["stat"] = spec.key
        request_line = dashboard_players.parse_line(line, spec)
        view = dashboard_players.player_view(container, query["name"], spec, request_line)
    except (NotFoundError, AmbiguousError, ValidationError) as exc:
        return _error_page(request, exc, query=query["name"], stat=stat)
    context["view"] = Section(data=view)
    if predict:
        context["prediction"] = section(
            dashboard_players.prediction_view,
            container,
            view["context"]["playerId"],
            spec,
            view["line"],
            odds_over,
            odds_under,
        )
    return render(request, "player.html", context)


@guarded_get("/models")
def models_page(request: Request, container: Container = Depends(get_container)) -> Response:
    """Champion metrics next to baselines and the market, reliability, track record, backtests."""
    context = {
        "champions": section(dashboard_models.champion_metrics, container),
        "curves": section(dashboard_models.reliability_curves, container),
        "track": section(lambda: track_record(container).model_dump(by_alias=True)),
        "backtests": section(lambda: list_backtests(container, limit=10).backtests),
        "evaluation_png": dashboard_models.reliability_image(container) is not None,
        "example_report": (BACKTEST_EXAMPLE / "report.html").exists(),
    }
    return render(request, "models.html", context)


@guarded_get("/status")
def status_page(request: Request, container: Container = Depends(get_container)) -> Response:
    """Latest game, last sync runs, quarantined rows by reason, model versions in use."""
    context = {
        "status": section(dashboard_status.data_status, container),
        "health": section(health_report, container),
        "serving": section(lambda: loaded_models(container).model_dump(by_alias=True)),
    }
    return render(request, "status.html", context)


@guarded_get("/monitoring")
def monitoring_page(request: Request, container: Container = Depends(get_container)) -> Response:
    """Served vs market Brier, ECE, ROI and CLV over time, open alerts, data freshness."""
    now = dt.datetime.now(dt.UTC)
    context = {
        "series": section(dashboard_monitoring.daily_series, container),
        "window": section(dashboard_monitoring.window_view, container),
        "window_days": container.settings.monitoring_window_days,
        "alerts": section(dashboard_monitoring.alerts_view, container),
        "data": section(dashboard_monitoring.data_view, container, now),
    }
    return render(request, "monitoring.html", context)


@router.get("/responsible-gambling", include_in_schema=False, response_class=HTMLResponse)
def responsible_page(request: Request) -> HTMLResponse:
    """Policy, self-limits and why no model guarantees profit (readable before the age check)."""
    return render(request, "responsible.html")


# ----------------------------------------------------------------------------- files
def _report_file(directory: Path, filename: str) -> FileResponse:
    """A file of a report directory, refusing anything outside it or of another kind."""
    root = directory.resolve()
    path = (root / filename).resolve()
    if path.parent != root or path.suffix not in REPORT_FILES or not path.is_file():
        raise NotFoundError(f"No report file {filename!r}.")
    return FileResponse(path)


@guarded_get("/reports/reliability.png")
def reliability_png(container: Container = Depends(get_container)) -> Response:
    """The newest offline evaluation's reliability diagram."""
    path = dashboard_models.reliability_image(container)
    if path is None:
        raise NotFoundError("No evaluation report yet: run `statmusepicks evaluate`.")
    return FileResponse(path)


@router.get("/backtests/example/{filename}", include_in_schema=False, response_model=None)
def example_backtest_file(filename: str = PathParam(..., max_length=200)) -> Response:
    """The example backtest report shipped with the package (web/backtest_example/)."""
    return _report_file(BACKTEST_EXAMPLE, filename)


@guarded_get("/backtests/{backtest_id}/{filename}")
def backtest_file(
    backtest_id: int = PathParam(..., ge=1, le=MAX_BACKTEST_ID),
    filename: str = PathParam(..., max_length=200),
    container: Container = Depends(get_container),
) -> Response:
    """A file of a stored backtest's report (report.html and the charts it embeds)."""
    run = get_backtest(container, backtest_id)
    if not run.output_dir:
        raise NotFoundError(f"Backtest {backtest_id} has no report directory.")
    return _report_file(Path(run.output_dir), filename)


# ----------------------------------------------------------------------------- search
@router.get(
    "/players/search", tags=["dashboard"], summary="Player name suggestions for autocomplete"
)
def search_players(
    request: Request,
    q: str = Query(
        ..., min_length=1, max_length=100, description="Part of a name (accents optional)."
    ),
    limit: int = Query(
        dashboard_players.SEARCH_LIMIT, ge=1, le=25, description="At most this many."
    ),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    """Players whose name has a word starting with each typed word, most recently active first."""
    settings = container.settings
    if settings.dashboard_requires_key:
        key = access.presented_key(request)
        if not key or not access.key_is_valid(container, key, check_key):
            raise AuthenticationError("This deployment needs an API key for the dashboard.")
    players = dashboard_players.search_players(container, q, limit)
    return {"query": q, "players": players}
