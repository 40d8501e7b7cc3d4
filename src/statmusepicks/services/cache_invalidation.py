"""Dropping served answers when the data under them changes.

The data jobs (the NBA sync, the schedule and the injury report) call these after storing new
rows, and the prediction service on a promotion. They touch only the cache and the container,
never the serving code itself: a sync run from the command line then starts without importing
the models (scikit-learn, SciPy), and a process that serves nothing builds no service to
forget.
"""

from __future__ import annotations

from statmusepicks.data.cache import Cache
from statmusepicks.services.container import Container


def invalidate_player(cache: Cache, player_id: int) -> int:
    """Drop every cached context of a player (call when his box scores change)."""
    return cache.delete_prefix(f"context:{player_id}:")


def invalidate_team(cache: Cache, team: str) -> int:
    """Drop a team's cached opponent ratings (call when its games change)."""
    return cache.delete_prefix(f"opponent:{team}:")


def invalidate_predictions(container: Container) -> int:
    """Drop every cached answer and board (call on promotion and when new data arrives), and
    this process's feature rows, distributions and indexed team games; a serving process
    then rebuilds the next games' rows in the background."""
    container.data_changed()
    return container.cache.delete_prefix("predict:") + container.cache.delete_prefix("board:")


def forget_served_answers(container: Container) -> None:
    """Drop cached predictions, boards and contexts (new schedule or injury data changes
    who plays, and so the teammates-out features and the statuses they state)."""
    invalidate_predictions(container)
    container.cache.delete_prefix("context:")
