"""The spellings books use for players: initials, suffixes, nicknames and learned aliases.

NBA.com writes "AJ Green", "Nic Claxton", "Vince Williams Jr."; books write "A.J. Green",
"Nicolas Claxton", "Vincent Williams Jr". A name is matched on its `match_key` (the bundle's
folding, with runs of initials joined), then on spellings learned from every stored prop line
whose player id is known, then on a short curated list of nicknames. Each source has a level;
a lookup answers the players of the best level that knows the key, so a player's own name
always beats another player's nickname.

The table is built from the database once per data change (a cheap stamp query detects one),
under a lock, and shared by every thread of the process.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from sqlalchemy import Connection, Engine, func, select

from statmusepicks.core.stats import normalize_name
from statmusepicks.data.db.models import Player, PropLine

# First names that books and NBA.com swap, each pair seen in the bundled data (prop_lines
# spelling vs player_game_logs name): Nicolas/Nic Claxton, Herb/Herbert Jones, Vincent/Vince
# Williams Jr., Moe/Moritz Wagner, Ron/Ronald Holland II; Cam/Cameron is both ways among the
# logs' own names (Cam Thomas, Cameron Johnson).
FIRST_NAME_NICKNAMES: tuple[tuple[str, ...], ...] = (
    ("nic", "nicolas"),
    ("herb", "herbert"),
    ("vince", "vincent"),
    ("moe", "moritz"),
    ("ron", "ronald"),
    ("cam", "cameron"),
)
# Nicknames that share nothing with the given name (NBA.com name -> book spellings), from the
# bundled prop lines: Carlton Carrington is "Bub", Kenyon Martin Jr. is "KJ".
WHOLE_NAME_NICKNAMES: dict[str, tuple[str, ...]] = {
    "bub carrington": ("carlton carrington",),
    "kj martin": ("kenyon martin",),
}


class Source(IntEnum):
    """Where a spelling comes from; a lower value wins a lookup."""

    OWN_NAME = 0
    BOOK_SPELLING = 1
    NICKNAME = 2


def match_key(name: str) -> str:
    """A name folded for matching: accents, case, punctuation, suffixes off, initials joined.

    "A.J. Green" and "AJ Green" both give "aj green"; "Vincent Williams Jr" gives
    "vincent williams".
    """
    words: list[str] = []
    initials = ""
    for word in normalize_name(name).split():
        if len(word) == 1:
            initials += word
            continue
        if initials:
            words.append(initials)
            initials = ""
        words.append(word)
    if initials:
        words.append(initials)
    return " ".join(words)


def nickname_keys(key: str) -> list[str]:
    """The other keys a book may print for a player whose own key is `key`."""
    variants = list(WHOLE_NAME_NICKNAMES.get(key, ()))
    first, _, rest = key.partition(" ")
    if rest:
        for group in FIRST_NAME_NICKNAMES:
            if first in group:
                variants += [f"{other} {rest}" for other in group if other != first]
    return variants


@dataclass
class AliasTable:
    """Match keys -> player ids, each with the best source that gave it."""

    entries: dict[str, dict[int, Source]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, key: str, player_id: int, source: Source) -> None:
        if not key:
            return
        known = self.entries[key].get(player_id)
        if known is None or source < known:
            self.entries[key][player_id] = source

    def lookup(self, name: str) -> list[int]:
        """Ids of the players a name designates at the best level that knows it (sorted)."""
        found = self.entries.get(match_key(name), {})
        if not found:
            return []
        best = min(found.values())
        return sorted(pid for pid, source in found.items() if source == best)

    def rows(self) -> list[tuple[str, int, int]]:
        """Every (key, player id, level), for frames that match many names at once."""
        return [
            (key, pid, int(source))
            for key, ids in self.entries.items()
            for pid, source in ids.items()
        ]


def build_alias_table(
    players: Iterable[tuple[int, str]], spellings: Iterable[tuple[str, int]]
) -> AliasTable:
    """The table of `players` (id, name) and book `spellings` (name, id) of known players."""
    table = AliasTable()
    known: set[int] = set()
    for player_id, name in players:
        key = match_key(name)
        known.add(player_id)
        table.add(key, player_id, Source.OWN_NAME)
        for variant in nickname_keys(key):
            table.add(variant, player_id, Source.NICKNAME)
    for name, player_id in spellings:
        if player_id in known:
            table.add(match_key(name), player_id, Source.BOOK_SPELLING)
    return table


def _stamp(connection: Connection) -> tuple[object, ...]:
    """Changes whenever players or resolved prop lines are added, renamed or re-resolved."""
    players = connection.execute(
        select(func.count(), func.max(Player.last_game_date), func.max(Player.player_id))
    ).one()
    lines = connection.execute(select(func.count(PropLine.player_id), func.max(PropLine.id))).one()
    return (*players, *lines)


def _load(connection: Connection) -> AliasTable:
    players = connection.execute(select(Player.player_id, Player.name)).all()
    spellings = connection.execute(
        select(PropLine.player_name, PropLine.player_id)
        .where(PropLine.player_id.is_not(None))
        .distinct()
    ).all()
    return build_alias_table(
        ((int(pid), str(name)) for pid, name in players),
        ((str(name), int(pid)) for name, pid in spellings if pid is not None),
    )


_LOCK = threading.Lock()
_TABLES: weakref.WeakKeyDictionary[Engine, tuple[tuple[object, ...], AliasTable]] = (
    weakref.WeakKeyDictionary()
)


def alias_table(connection: Connection) -> AliasTable:
    """The alias table of the connection's database, rebuilt only when its data changed."""
    stamp = _stamp(connection)
    engine = connection.engine
    with _LOCK:
        cached = _TABLES.get(engine)
        if cached is None or cached[0] != stamp:
            cached = (stamp, _load(connection))
            _TABLES[engine] = cached
        return cached[1]
