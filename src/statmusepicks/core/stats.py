"""The stat vocabulary shared by every layer: stats, markets and the names of model scopes.

Combos (PRA, P+R, ...) are sums of box-score columns, so every layer prices them from the same
components instead of inventing separate guesses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from statmusepicks.core.errors import ValidationError


@dataclass(frozen=True)
class StatSpec:
    """A priceable stat: its canonical key, display label and box-score weights."""

    key: str
    label: str
    weights: tuple[tuple[str, float], ...]
    max_line: float

    @property
    def columns(self) -> tuple[str, ...]:
        """Box-score columns this stat is built from."""
        return tuple(column for column, _ in self.weights)

    @property
    def is_combo(self) -> bool:
        """True when the stat sums several box-score columns."""
        return len(self.weights) > 1


# PrizePicks fantasy scoring: 1 per point, 1.2 per rebound, 1.5 per assist, 3 per block or steal,
# -1 per turnover.
FANTASY_WEIGHTS = (
    ("pts", 1.0),
    ("reb", 1.2),
    ("ast", 1.5),
    ("blk", 3.0),
    ("stl", 3.0),
    ("tov", -1.0),
)

STATS: dict[str, StatSpec] = {
    spec.key: spec
    for spec in (
        StatSpec("points", "Points", (("pts", 1.0),), 80.0),
        StatSpec("rebounds", "Rebounds", (("reb", 1.0),), 35.0),
        StatSpec("assists", "Assists", (("ast", 1.0),), 30.0),
        StatSpec("threes", "3-PT Made", (("fg3m", 1.0),), 15.0),
        StatSpec("steals", "Steals", (("stl", 1.0),), 10.0),
        StatSpec("blocks", "Blocked Shots", (("blk", 1.0),), 12.0),
        StatSpec("turnovers", "Turnovers", (("tov", 1.0),), 12.0),
        StatSpec("minutes", "Minutes", (("min", 1.0),), 60.0),
        StatSpec("pra", "Pts+Rebs+Asts", (("pts", 1.0), ("reb", 1.0), ("ast", 1.0)), 110.0),
        StatSpec("pr", "Pts+Rebs", (("pts", 1.0), ("reb", 1.0)), 100.0),
        StatSpec("pa", "Pts+Asts", (("pts", 1.0), ("ast", 1.0)), 100.0),
        StatSpec("ra", "Rebs+Asts", (("reb", 1.0), ("ast", 1.0)), 55.0),
        StatSpec("stocks", "Blks+Stls", (("blk", 1.0), ("stl", 1.0)), 15.0),
        StatSpec("fantasy", "Fantasy Score", FANTASY_WEIGHTS, 150.0),
    )
}

# Single box-score stats modelled directly; combos are derived from these.
BASE_STATS = ("points", "rebounds", "assists", "threes", "steals", "blocks", "turnovers")
# The sportsbook markets The Odds API quotes and the bundled prop lines hold.
BOOK_MARKETS = ("points", "rebounds", "assists", "threes", "pra", "blocks", "steals")
# Markets a stored prop line may carry: the book markets, plus turnovers and the two-stat combos
# that hand-made lines files (PrizePicks boards) add.
LINE_MARKETS = (*BOOK_MARKETS, "turnovers", "pr", "pa", "ra")

# Model scopes, most specific first: a player's own model, the league-wide model, and the
# season-average distribution served when no trained model covers the case.
PLAYER_SCOPE = "player"
GLOBAL_SCOPE = "global"
SEASON_AVERAGE_SCOPE = "season_average"
MODEL_SCOPES = (PLAYER_SCOPE, GLOBAL_SCOPE, SEASON_AVERAGE_SCOPE)
# Registry alias of the version that serves; the other registered alias is the challenger.
CHAMPION = "champion"

_ALIASES: dict[str, str] = {
    "pts": "points",
    "point": "points",
    "reb": "rebounds",
    "rebs": "rebounds",
    "rebound": "rebounds",
    "ast": "assists",
    "asts": "assists",
    "assist": "assists",
    "3pm": "threes",
    "3ptmade": "threes",
    "3ptm": "threes",
    "fg3m": "threes",
    "three": "threes",
    "threesmade": "threes",
    "threepointersmade": "threes",
    "3pointersmade": "threes",
    "stl": "steals",
    "steal": "steals",
    "blk": "blocks",
    "blks": "blocks",
    "block": "blocks",
    "blockedshots": "blocks",
    "tov": "turnovers",
    "to": "turnovers",
    "turnover": "turnovers",
    "min": "minutes",
    "mins": "minutes",
    "ptsrebsasts": "pra",
    "pointsreboundsassists": "pra",
    "ptsrebast": "pra",
    "ptsrebs": "pr",
    "pointsrebounds": "pr",
    "ptsreb": "pr",
    "ptsasts": "pa",
    "pointsassists": "pa",
    "ptsast": "pa",
    "rebsasts": "ra",
    "reboundsassists": "ra",
    "rebast": "ra",
    "blksstls": "stocks",
    "blocksteals": "stocks",
    "blockssteals": "stocks",
    "stlblk": "stocks",
    "fantasyscore": "fantasy",
    "fantasypoints": "fantasy",
    # The Odds API market keys.
    "playerpoints": "points",
    "playerrebounds": "rebounds",
    "playerassists": "assists",
    "playerthrees": "threes",
    "playerblocks": "blocks",
    "playersteals": "steals",
    "playerturnovers": "turnovers",
    "playerpointsreboundsassists": "pra",
    "playerpointsrebounds": "pr",
    "playerpointsassists": "pa",
    "playerreboundsassists": "ra",
    "playerblockssteals": "stocks",
}


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def resolve_stat(name: str) -> StatSpec:
    """The StatSpec for a canonical name, an alias or a PrizePicks `stat_type` label.

    Raises ValidationError (HTTP 422) naming the accepted values when nothing matches.
    """
    squashed = _squash(name or "")
    for spec in STATS.values():
        if squashed in (_squash(spec.key), _squash(spec.label)):
            return spec
    key = _ALIASES.get(squashed)
    if key is None:
        raise ValidationError(
            f"Unknown stat {name!r}. Use one of: {', '.join(STATS)} (or labels such as "
            "'Points', '3-PT Made', 'Pts+Rebs+Asts').",
            details={"stat": name, "accepted": list(STATS)},
        )
    return STATS[key]


def normalize_name(name: str) -> str:
    """A player's name folded for loose matching: accents, case, punctuation and suffixes off."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"[^a-z0-9 ]", " ", folded.lower())
    words = [word for word in folded.split() if word not in {"jr", "sr", "ii", "iii", "iv", "v"}]
    return " ".join(words)
