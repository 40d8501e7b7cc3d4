"""Book spellings: match keys, the alias table's precedence, ingest matching and thread safety."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from sqlalchemy import Engine, insert

from statmusepicks.data.db.models import Player, PropLine
from statmusepicks.data.ingest.player_names import player_directory, resolve_player_ids
from statmusepicks.data.repositories import aliases
from statmusepicks.data.repositories.aliases import build_alias_table, match_key


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("A.J. Green", "aj green"),
        ("AJ Green", "aj green"),
        ("G.G. Jackson", "gg jackson"),
        ("Vincent Williams Jr", "vincent williams"),
        ("Vince Williams Jr.", "vince williams"),
        ("Nikola Jokić", "nikola jokic"),
        ("D'Angelo Russell", "d angelo russell"),
    ],
)
def test_match_keys_join_initials_and_drop_suffixes(spelling: str, key: str) -> None:
    assert match_key(spelling) == key


def test_a_players_own_name_beats_another_players_nickname() -> None:
    table = build_alias_table([(1, "Cam Smith"), (2, "Cameron Smith")], [])
    assert table.lookup("Cam Smith") == [1]
    assert table.lookup("Cameron Smith") == [2]
    lone = build_alias_table([(2, "Cameron Smith")], [])
    assert lone.lookup("Cam Smith") == [2]


def test_curated_nicknames_and_learned_spellings_resolve() -> None:
    table = build_alias_table(
        [(1629651, "Nic Claxton"), (1642267, "Bub Carrington"), (1630527, "Brandon Boston")],
        [("B.J. Boston Jr", 1630527), ("Ghost Player", 99)],
    )
    assert table.lookup("Nicolas Claxton") == [1629651]
    assert table.lookup("Carlton Carrington") == [1642267]
    assert table.lookup("B.J. Boston Jr") == [1630527]
    assert table.lookup("Ghost Player") == []  # a spelling of an unknown id teaches nothing


def test_players_sharing_a_nickname_are_both_answered() -> None:
    table = build_alias_table([(1, "Herbert Jones"), (2, "Herb Jones")], [])
    assert table.lookup("Herb Jones") == [2]
    twins = build_alias_table([(1, "Herbert Jones"), (3, "Herbert Jones")], [])
    assert twins.lookup("Herb Jones") == [1, 3]


def _seed(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(Player),
            [
                {"player_id": 1631260, "name": "AJ Green", "name_key": "aj green", "team": "MIL",
                 "last_game_date": dt.date(2025, 11, 14)},
                {"player_id": 203110, "name": "Draymond Green", "name_key": "draymond green",
                 "team": "GSW", "last_game_date": dt.date(2025, 11, 14)},
                {"player_id": 1630527, "name": "Brandon Boston", "name_key": "brandon boston",
                 "team": "NOP", "last_game_date": dt.date(2025, 11, 14)},
            ],
        )  # fmt: skip


def _line(name: str, player_id: int | None, line: float) -> dict[str, object]:
    return {
        "season": "2025-26", "game_date": dt.date(2025, 11, 1), "away_team": "NOP",
        "home_team": "GSW", "player_name": name, "player_id": player_id, "market": "points",
        "bookmaker": "fanduel", "line": line, "source": "test",
        "captured_at": dt.datetime(2025, 11, 1, 12, tzinfo=dt.UTC),
    }  # fmt: skip


def test_lines_imports_match_book_spellings(sqlite_engine: Engine) -> None:
    _seed(sqlite_engine)
    names = pd.Series(["A.J. Green", "B.J. Boston Jr", "Draymond Green", "Nobody"])
    before = resolve_player_ids(names, player_directory(sqlite_engine))
    assert before[0] == 1631260
    assert before.isna().tolist() == [False, True, False, True]
    with sqlite_engine.begin() as connection:
        connection.execute(insert(PropLine), [_line("B.J. Boston Jr", 1630527, 8.5)])
    after = resolve_player_ids(names, player_directory(sqlite_engine))
    assert after.tolist()[:3] == [1631260, 1630527, 203110]  # learned from the stored line


def test_the_table_is_built_once_per_data_change_under_concurrency(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(sqlite_engine)
    builds: list[int] = []
    load = aliases._load
    gate = threading.Barrier(8)

    def counting_load(connection: object) -> aliases.AliasTable:
        builds.append(1)
        return load(connection)  # type: ignore[arg-type]

    monkeypatch.setattr(aliases, "_load", counting_load)

    def look() -> list[int]:
        gate.wait()
        with sqlite_engine.connect() as connection:
            return aliases.alias_table(connection).lookup("A.J. Green")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _i: look(), range(8)))
    assert answers == [[1631260]] * 8
    assert len(builds) == 1
    with sqlite_engine.begin() as connection:
        connection.execute(insert(PropLine), [_line("Boston Jr, B.J.", 1630527, 9.5)])
    with sqlite_engine.connect() as connection:
        assert aliases.alias_table(connection).lookup("Boston Jr, B.J.") == [1630527]
    assert len(builds) == 2
