"""Stat names as the frontend and the books spell them all resolve to one vocabulary."""

from __future__ import annotations

import pytest

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import BOOK_MARKETS, LINE_MARKETS, STATS, normalize_name, resolve_stat


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Points", "points"),
        ("points", "points"),
        ("PTS", "points"),
        ("3-PT Made", "threes"),
        ("3pm", "threes"),
        ("Pts+Rebs+Asts", "pra"),
        ("pra", "pra"),
        ("Pts+Rebs", "pr"),
        ("Pts+Asts", "pa"),
        ("Rebs+Asts", "ra"),
        ("Blks+Stls", "stocks"),
        ("Blocked Shots", "blocks"),
        ("Steals", "steals"),
        ("Turnovers", "turnovers"),
        ("Fantasy Score", "fantasy"),
        ("player_points_rebounds_assists", "pra"),
    ],
)
def test_every_spelling_resolves_to_its_canonical_stat(name: str, key: str) -> None:
    assert resolve_stat(name).key == key


def test_an_unknown_stat_is_a_validation_error_listing_the_choices() -> None:
    with pytest.raises(ValidationError) as caught:
        resolve_stat("dunks")
    assert "points" in caught.value.message


def test_combos_are_sums_of_their_box_score_parts() -> None:
    assert STATS["pra"].columns == ("pts", "reb", "ast")
    assert STATS["pra"].is_combo
    assert not STATS["points"].is_combo


def test_fantasy_score_uses_prizepicks_weights() -> None:
    weights = dict(STATS["fantasy"].weights)
    assert weights == {"pts": 1.0, "reb": 1.2, "ast": 1.5, "blk": 3.0, "stl": 3.0, "tov": -1.0}


def test_names_match_loosely_across_accents_case_and_suffixes() -> None:
    assert normalize_name("Nikola Jokić") == normalize_name("nikola jokic")
    assert normalize_name("Jaren Jackson Jr.") == "jaren jackson"


def test_every_market_is_a_priceable_stat() -> None:
    assert set(BOOK_MARKETS) <= set(LINE_MARKETS) <= set(STATS)
