"""The hash chain of the prediction record, and an offline check of its exported file.

Every entry (a served prediction or the grade appended for it later) has a canonical content:
a JSON object with sorted keys, no whitespace and the shortest round-trip form of each number.
`content_hash` = SHA-256 of that text; the entry's chain hash = SHA-256 of the previous
entry's chain hash followed by its own content hash (both hex), the first entry following
`GENESIS`. Removing, reordering or editing any entry changes every chain hash after it, so a
published head (sequence number and chain hash) pins the whole record up to it.

Standard library only, so that a third party can copy this one file and run
`python hash_chain.py record.csv [record.head.json]` on an export without installing anything.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
EXPORT_COLUMNS = ("seq", "kind", "row_id", "content", "content_hash", "prev_hash", "chain_hash")


@dataclass(frozen=True)
class ChainBreak:
    """The first entry that does not check out, and why."""

    seq: int
    kind: str
    row_id: int | None
    reason: str

    def describe(self) -> str:
        """One line naming the entry."""
        row = "" if self.row_id is None else f" (row id {self.row_id})"
        return f"entry {self.seq}, {self.kind}{row}: {self.reason}"


@dataclass(frozen=True)
class ChainHead:
    """The last entry's sequence number and chain hash (seq 0 and GENESIS when empty)."""

    seq: int
    hash: str


def canonical(content: Mapping[str, Any]) -> str:
    """The one text of `content` that is hashed."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    """SHA-256 of the UTF-8 text, hex."""
    return hashlib.sha256(text.encode()).hexdigest()


def link(prev_hash: str, content_hash: str) -> str:
    """The chain hash of an entry following `prev_hash`."""
    return sha256_hex(prev_hash + content_hash)


def verify_entries(
    rows: Iterable[Mapping[str, Any]], head: ChainHead | None = None
) -> ChainBreak | ChainHead:
    """Check a record's entries in order; the first break, or the head when they hold.

    Each row (seq, kind, row_id, content, content_hash, prev_hash, and in an export its
    chain_hash) must hash to its `content_hash`, name its own `seq`, follow the previous row;
    the last one must be `head` when one is given.
    """
    expected = ChainHead(0, GENESIS)
    for row in rows:
        seq = int(row["seq"])
        reason = _fault(row, seq, expected)
        if reason is not None:
            row_id = int(row["row_id"]) if row.get("row_id") not in (None, "") else None
            return ChainBreak(seq, str(row["kind"]), row_id, reason)
        expected = ChainHead(seq, link(expected.hash, row["content_hash"]))
    if head is not None and expected != head:
        return ChainBreak(
            expected.seq,
            "head",
            None,
            f"the entries end at entry {expected.seq} ({expected.hash}), the head is entry "
            f"{head.seq} ({head.hash})",
        )
    return expected


def _fault(row: Mapping[str, Any], seq: int, expected: ChainHead) -> str | None:
    """Why `row` cannot follow `expected` (None when it can)."""
    if seq != expected.seq + 1:
        return f"expected entry {expected.seq + 1}: entries are missing or reordered"
    content = json.loads(row["content"])
    if canonical(content) != row["content"] or content.get("seq") != seq:
        return "content is not the canonical text of this entry"
    if sha256_hex(row["content"]) != row["content_hash"]:
        return "content does not match its content hash (edited)"
    if row["prev_hash"] != expected.hash:
        return "previous hash does not match the entry before (removed or reordered)"
    if row.get("chain_hash", None) not in (None, link(expected.hash, row["content_hash"])):
        return "chain hash does not follow from the previous hash and content"
    return None


def main(argv: list[str]) -> int:
    """`hash_chain.py RECORD.csv [HEAD.json]`: exit 0 and print the head when the file holds."""
    if not argv or len(argv) > 2:
        print("usage: hash_chain.py RECORD.csv [HEAD.json]", file=sys.stderr)
        return 2
    head = None
    if len(argv) == 2:
        with open(argv[1], encoding="utf-8") as file:
            published = json.load(file)
        head = ChainHead(int(published["seq"]), str(published["hash"]))
    with open(argv[0], newline="", encoding="utf-8") as file:
        outcome = verify_entries(csv.DictReader(file), head)
    if isinstance(outcome, ChainBreak):
        print(f"BROKEN at {outcome.describe()}")
        return 1
    print(f"OK: {outcome.seq} entries, head {outcome.hash}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
