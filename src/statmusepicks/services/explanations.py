"""Wording: feature names in plain words, the explanation of a price, and the disclaimer."""

from __future__ import annotations

from typing import Any

from statmusepicks.core.stats import GLOBAL_SCOPE, PLAYER_SCOPE, SEASON_AVERAGE_SCOPE, StatSpec
from statmusepicks.models.distributions import PropDistribution

TOP_FACTORS = 3
DISCLAIMER = (
    "For information and entertainment only; not financial or betting advice. Predictions are "
    "probabilities, not guarantees, and past results do not predict future ones. Only bet what "
    "you can afford to lose, and only where it is legal and you are of age (18+/21+). Problem "
    "gambling help: 1-800-GAMBLER."
)
STAT_WORDS = {
    "pts": "points",
    "reb": "rebounds",
    "ast": "assists",
    "fg3m": "threes made",
    "stl": "steals",
    "blk": "blocks",
    "tov": "turnovers",
    "min": "minutes",
    "pra": "points+rebounds+assists",
    "pr": "points+rebounds",
    "pa": "points+assists",
    "ra": "rebounds+assists",
}
SUFFIX_WORDS = {
    "sma3": "average over the last 3 games",
    "sma5": "average over the last 5 games",
    "sma10": "average over the last 10 games",
    "ema": "recent-weighted average (EMA)",
    "wma10": "weighted 10-game average",
    "std10": "game-to-game spread (last 10)",
    "min10": "lowest of the last 10 games",
    "max10": "highest of the last 10 games",
    "med10": "median of the last 10 games",
    "slope10": "trend over the last 10 games",
    "momentum": "momentum (last 3 vs last 10)",
    "season": "season average",
    "prev_season": "last season's average",
    "per36": "rate per 36 minutes",
}
FEATURE_WORDS = {
    "f_is_home": "home court",
    "f_rest_days": "days of rest",
    "f_back_to_back": "back-to-back",
    "f_games_last7": "games in the last 7 days",
    "f_travel_km": "travel since the last game",
    "f_tz_shift": "time-zone change",
    "f_altitude": "altitude venue",
    "f_opp_drtg": "opponent's defensive rating",
    "f_opp_pace": "opponent's pace",
    "f_opp_def_rank": "opponent's defensive rank",
    "f_team_pace": "own team's pace",
    "f_usg_pct_l10": "usage rate (last 10)",
    "f_ts_pct_l10": "true shooting (last 10)",
    "f_teammates_out": "teammates out",
    "f_teammates_out_min": "minutes of absent teammates",
    "f_games_season": "games played this season",
}
SCOPE_WORDS = {
    PLAYER_SCOPE: "this player's own model",
    GLOBAL_SCOPE: "the league-wide model",
    SEASON_AVERAGE_SCOPE: "the season-average fallback (no trained model for this case)",
}


def describe_feature(name: str) -> str:
    """A feature's name in plain words ('f_pts_sma10' -> 'points average over the last ...')."""
    if name in FEATURE_WORDS:
        return FEATURE_WORDS[name]
    body = name.removeprefix("f_")
    for column, word in STAT_WORDS.items():
        if body.startswith(column + "_"):
            suffix = body[len(column) + 1 :]
            return f"{word} {SUFFIX_WORDS.get(suffix, suffix.replace('_', ' '))}"
    for prefix, phrase in (
        ("opp_allowed_", "what the opponent allowed in {}"),
        ("vs_opp_", "{} against this opponent"),
        ("vs_top10_", "{} against top-10 defences"),
        ("vs_bottom10_", "{} against bottom-10 defences"),
    ):
        if body.startswith(prefix):
            rest = body[len(prefix) :]
            return phrase.format(STAT_WORDS.get(rest, rest.replace("_", " ")))
    return body.replace("_", " ")


def explain(
    dist: PropDistribution, spec: StatSpec, line: float, over: float
) -> tuple[str, list[dict[str, Any]]]:
    """The three largest feature effects in plain words, and a one-paragraph summary."""
    factors = [
        {
            "feature": feature,
            "description": describe_feature(feature),
            "effect": round(effect, 3),
            "direction": "raises" if effect > 0 else "lowers",
        }
        for feature, effect in dist.contributions[:TOP_FACTORS]
    ]
    source = SCOPE_WORDS.get(dist.scope, dist.scope)
    text = (
        f"Projects {dist.mean:.1f} {spec.label.lower()} (spread ±{dist.std:.1f}) from {source}; "
        f"P(over {line:g}) = {over:.1%}."
    )
    if factors:
        parts = [
            f"{f['description']} {f['direction']} it by {abs(float(f['effect'])):.2f}"
            for f in factors
        ]
        text += " Biggest factors: " + "; ".join(parts) + "."
    return text, factors
