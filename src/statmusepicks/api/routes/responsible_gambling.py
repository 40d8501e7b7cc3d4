"""`GET /api/responsible-gambling`: the age notice and where to find help (public)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from statmusepicks.services.explanations import DISCLAIMER

router = APIRouter(prefix="/api", tags=["responsible gambling"])


class MinimumAge(BaseModel):
    """Legal betting age: 21 in most US states, 18 in a few and elsewhere."""

    default: int
    some_jurisdictions: int


class HelpResource(BaseModel):
    """A free, confidential source of help."""

    name: str
    phone: str | None = None
    url: str
    available: str


class ResponsibleGambling(BaseModel):
    """Who may bet, what our numbers are, and where to get help."""

    age_notice: str
    minimum_age: MinimumAge
    disclaimer: str
    message: str
    resources: list[HelpResource]


NOTICE = ResponsibleGambling(
    age_notice=(
        "You must be 21 or older to bet on sports in most US states (18+ in a few, and "
        "elsewhere where the law allows). Check the law where you are."
    ),
    minimum_age=MinimumAge(default=21, some_jurisdictions=18),
    disclaimer=DISCLAIMER,
    message=(
        "Betting should be entertainment. Set limits on time and money, never chase losses, "
        "and stop if it stops being fun. If gambling is causing problems for you or someone "
        "you know, help is free and confidential."
    ),
    resources=[
        HelpResource(
            name="1-800-GAMBLER (National Problem Gambling Helpline)",
            phone="1-800-GAMBLER",
            url="https://www.1800gambler.net",
            available="24/7, call or text",
        ),
        HelpResource(
            name="National Council on Problem Gambling",
            phone="1-800-522-4700",
            url="https://www.ncpgambling.org",
            available="24/7 helpline, chat and text",
        ),
        HelpResource(
            name="Gamblers Anonymous",
            url="https://www.gamblersanonymous.org",
            available="meetings and a hotline directory",
        ),
    ],
)


@router.get(
    "/responsible-gambling",
    summary="Age notice and problem-gambling help",
)
async def responsible_gambling() -> ResponsibleGambling:
    """Who may bet, what our numbers are, and where to get help."""
    return NOTICE
