"""The slips page: the best slip of a size from a date's board, and any slip a visitor enters.

Both sections call the same use cases as `POST /api/slip/best` and `POST /api/slip`, reached
with the dashboard's access instead of an API key. The page is a plain GET form (legs are
repeated `player`, `stat`, `line`, `side` fields), so a priced slip has a link to share.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import STATS
from statmusepicks.data.payouts import MAX_LEGS, MIN_LEGS, payout_apps
from statmusepicks.services.container import Container
from statmusepicks.services.keys import check_key
from statmusepicks.services.slip_schema import SlipRequest, SlipSearchRequest
from statmusepicks.services.slip_search import best_slip
from statmusepicks.services.slips import slip
from statmusepicks.web import access, dashboard_board
from statmusepicks.web.rendering import Section, render, section

router = APIRouter()
# The page searches fewer candidates than the API allows, so it answers in a few seconds.
PAGE_CANDIDATES = 20
PAGE_BEAM = 4
Repeated = Annotated[list[str] | None, Query(max_length=MAX_LEGS)]


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _legs(
    players: list[str], stats: list[str], lines: list[str], sides: list[str]
) -> list[dict[str, str]]:
    """The entered legs, blank rows dropped."""
    rows = zip(players, stats, lines, sides, strict=False)
    return [
        {"player": p.strip(), "stat": s, "line": line.strip(), "side": side}
        for p, s, line, side in rows
        if p.strip() and line.strip()
    ]


def _parsed(model: type[Any], fields: dict[str, Any]) -> Any:
    """A request model from form fields; a readable 422 when the model refuses them."""
    try:
        return model.model_validate(fields)
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ValidationError(f"Check the form: {problems}") from exc


@router.get("/slips", include_in_schema=False, response_model=None)
def slips_page(
    request: Request,
    container: Annotated[Container, Depends(_container)],
    date: str | None = Query(None, max_length=10),
    size: int = Query(3, ge=MIN_LEGS, le=MAX_LEGS),
    app: str = Query("prizepicks", max_length=40),
    play: str = Query("power", max_length=10),
    player: Repeated = None,
    stat: Repeated = None,
    line: Repeated = None,
    side: Repeated = None,
) -> Response:
    """Best slip from the board, and the visitor's own slip priced when legs are entered."""
    if (redirect := access.guard(request, container, check_key)) is not None:
        return redirect
    dates = dashboard_board.line_dates(container)
    day = date or (dates[0].isoformat() if dates else None)
    terms = {"app": app, "play": play}
    legs = _legs(player or [], stat or [], line or [], side or [])
    best: Section[Any] = Section(unavailable="No prop lines are stored yet.")
    if day is not None:
        search = {**terms, "date": day, "size": size, "candidates": PAGE_CANDIDATES}
        best = section(
            lambda: best_slip(
                container, _parsed(SlipSearchRequest, {**search, "beam_width": PAGE_BEAM})
            )
        )
    own: Section[Any] | None = None
    if legs:
        fields = {**terms, "legs": legs, "date": day}
        own = section(lambda: slip(container, _parsed(SlipRequest, fields)))
    rows = legs + [{"player": "", "stat": "points", "line": "", "side": "over"}] * (
        MAX_LEGS - len(legs)
    )
    context = {
        "form": {"date": day, "size": size, "app": app, "play": play},
        "dates": dates,
        "apps": [(key, table.label) for key, table in sorted(payout_apps().items())],
        "stats": [(key, spec.label) for key, spec in STATS.items() if key != "minutes"],
        "rows": rows,
        "best": best,
        "own": own,
    }
    return render(request, "slips.html", context)
