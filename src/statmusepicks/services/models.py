"""Use cases behind `/api/models`: what is registered, what is served, and warming a player."""

from __future__ import annotations

from typing import Any

from statmusepicks.core.stats import BASE_STATS, resolve_stat
from statmusepicks.services.container import Container
from statmusepicks.services.predictions import PredictionRequest, prediction_service
from statmusepicks.services.training import list_models


def loaded_models(container: Container) -> dict[str, Any]:
    """The registry's models and the versions this process serves per stat and scope."""
    predictor = prediction_service(container).get_predictor()
    serving = {
        stat: {
            "player": predictor.player_models[stat].label
            if stat in predictor.player_models
            else None,
            "global": predictor.global_models[stat].label
            if stat in predictor.global_models
            else None,
            "fallback": "season_average",
        }
        for stat in BASE_STATS
    }
    return {
        "registered": list_models(container),
        "serving": serving,
        "fallback_chain": ["player", "global", "season_average"],
    }


def warm_player(container: Container, player: str) -> dict[str, Any]:
    """Load the predictor and cache the player's feature row for his next game."""
    service = prediction_service(container)
    predictor = service.get_predictor()
    with container.sessions() as session:
        ref = service.resolve(session, player)
        as_of = service.data_as_of(session)
        target = service.target_game(session, ref, PredictionRequest(player, "points", 1.0), as_of)
        frame = service.features(session, ref, target)
    scopes = {}
    for stat in BASE_STATS:
        spec = resolve_stat(stat)
        scopes[stat] = service.distribution(frame, spec, ref.player_id).scope
    return {
        "player": ref.name,
        "player_id": ref.player_id,
        "game_date": target.game_date.isoformat(),
        "opponent": target.opponent,
        "player_models": sorted(
            stat
            for stat, model in predictor.player_models.items()
            if ref.player_id in model.players
        ),
        "scopes": scopes,
        "warmed": True,
    }
