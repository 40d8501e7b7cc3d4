"""Raw payloads are stored once, compressed, under their sha256."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from statmusepicks.data.clients.payloads import PayloadStore


def test_a_payload_round_trips_and_is_addressed_by_its_sha256(tmp_path: Path) -> None:
    store = PayloadStore(tmp_path / "raw")
    body = b'{"resultSets": []}'
    digest = store.put(body)
    assert digest == hashlib.sha256(body).hexdigest()
    assert store.get(digest) == body
    assert gzip.decompress(store.path_for(digest).read_bytes()) == body


def test_the_same_body_is_stored_once(tmp_path: Path) -> None:
    store = PayloadStore(tmp_path)
    first = store.put(b"same")
    second = store.put(b"same")
    assert first == second
    assert len(list(tmp_path.rglob("*.json.gz"))) == 1


def test_compression_is_deterministic(tmp_path: Path) -> None:
    one, two = PayloadStore(tmp_path / "a"), PayloadStore(tmp_path / "b")
    digest = one.put(b"x" * 1000)
    two.put(b"x" * 1000)
    assert one.path_for(digest).read_bytes() == two.path_for(digest).read_bytes()


def test_an_unknown_digest_is_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        PayloadStore(tmp_path).get("0" * 64)
