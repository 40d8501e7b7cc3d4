"""Use cases behind `/api/models`: what is registered, what is served, and warming a player."""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, Field

from statmusepicks.core.stats import BASE_STATS, resolve_stat
from statmusepicks.models.bundle import StatModel
from statmusepicks.services.container import Container
from statmusepicks.services.prediction_request import PredictionRequest
from statmusepicks.services.predictions import prediction_service
from statmusepicks.services.training import list_models

Scope = Literal["player", "global", "season_average"]
FALLBACK_CHAIN: list[Scope] = ["player", "global", "season_average"]


class RegisteredModel(BaseModel):
    """A registered model name with its aliases."""

    name: str = Field(examples=["smp-points-global"])
    champion: str | None = Field(description="Version behind the `champion` alias.")
    challenger: str | None = Field(description="Version behind the `challenger` alias.")
    versions: int = Field(description="How many versions are registered.")


class ServedModel(BaseModel):
    """A model this process prices with."""

    name: str = Field(examples=["smp-points-player"])
    version: str
    stat: str
    scope: Literal["player", "global"]
    alias: str | None = Field(description="The registry alias pointing at this version, if any.")
    metrics: dict[str, float] = Field(description="Validation metrics recorded at training.")


class ServingStat(BaseModel):
    """The `name:version` labels serving one stat, tried in the fallback chain's order."""

    player: str | None
    global_: str | None = Field(alias="global")
    fallback: Literal["season_average"] = "season_average"


class ModelsReport(BaseModel):
    """The registry and what this process serves."""

    registered: list[RegisteredModel]
    serving: dict[str, ServingStat]
    fallback_chain: list[Scope]
    models: list[ServedModel]


class WarmedPlayer(BaseModel):
    """A player's features cached for his next game, and the scope serving each stat."""

    player: str
    player_id: int
    game_date: dt.date
    opponent: str | None
    player_models: list[str] = Field(description="Stats with a model of this player's own.")
    scopes: dict[str, Scope]
    warmed: bool = True


def _served(model: StatModel, registered: dict[str, RegisteredModel]) -> ServedModel:
    row = registered.get(model.name)
    aliases = {} if row is None else {"champion": row.champion, "challenger": row.challenger}
    alias = next((name for name, version in aliases.items() if version == model.version), None)
    return ServedModel(
        name=model.name,
        version=model.version,
        stat=model.stat,
        scope="player" if model.scope == "player" else "global",
        alias=alias,
        # NaN metrics (a metric that could not be computed) have no JSON form.
        metrics={key: float(value) for key, value in model.metrics.items() if math.isfinite(value)},
    )


def loaded_models(container: Container) -> ModelsReport:
    """The registry's models and the versions this process serves per stat and scope."""
    predictor = prediction_service(container).champions.get()
    registered = [RegisteredModel.model_validate(row) for row in list_models(container)]
    by_name = {row.name: row for row in registered}
    serving = {
        stat: ServingStat.model_validate(
            {
                "player": predictor.player_models[stat].label
                if stat in predictor.player_models
                else None,
                "global": predictor.global_models[stat].label
                if stat in predictor.global_models
                else None,
            }
        )
        for stat in BASE_STATS
    }
    served = [*predictor.global_models.values(), *predictor.player_models.values()]
    return ModelsReport(
        registered=registered,
        serving=serving,
        fallback_chain=FALLBACK_CHAIN,
        models=[_served(model, by_name) for model in sorted(served, key=lambda m: m.name)],
    )


def warm_player(container: Container, player: str) -> WarmedPlayer:
    """Load the predictor and cache the player's feature row for his next game."""
    service = prediction_service(container)
    predictor = service.champions.get()
    with container.sessions() as session:
        ref = service.resolve(session, player)
        as_of = service.inputs.data_as_of(session)
        request = PredictionRequest(player=player, stat="points", line=1.0)
        target = service.inputs.target_game(session, ref, request, as_of)
        frame = service.inputs.features(session, target)
    scopes = {
        stat: service.champions.distribution(frame, resolve_stat(stat), ref.player_id).scope
        for stat in BASE_STATS
    }
    return WarmedPlayer(
        player=ref.name,
        player_id=ref.player_id,
        game_date=target.game_date,
        opponent=target.opponent,
        player_models=sorted(
            stat
            for stat, model in predictor.player_models.items()
            if ref.player_id in model.players
        ),
        scopes=scopes,
    )
