"""Use case: API keys. Only an HMAC-SHA256 of each key (peppered) is ever stored.

Checks are cached for a short while (`KEY_CACHE_SECONDS`) so that the predict hot path does not
touch the database on every request; revoking through this module drops the cached checks at
once (shared through Redis when configured, so every worker sees it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from statmusepicks.core.errors import AuthenticationError, ForbiddenError, NotFoundError
from statmusepicks.data.db.models import ApiKey
from statmusepicks.data.db.session import session_scope
from statmusepicks.services.container import Container

KEY_PREFIX = "smp_"
PREFIX_CHARS = 12
# A revoked key may keep working this long in another process without Redis (never with it).
KEY_CACHE_SECONDS = 30
LOCAL_KEY_NAME = "local"
LOCAL_KEY_FILE = "local_api_key"


@dataclass(frozen=True)
class KeyIdentity:
    """Who is calling: the key's id and name."""

    key_id: int
    name: str


@dataclass(frozen=True)
class CreatedKey(KeyIdentity):
    """A new key: its identity, and the plaintext, shown once and never stored."""

    prefix: str
    key: str


def hash_key(pepper: str, key: str) -> str:
    """HMAC-SHA256 of the key under the server's pepper (hex)."""
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()


def _cache_key(digest: str) -> str:
    return f"apikey:{digest}"


def create_key(container: Container, name: str) -> CreatedKey:
    """Mint a key, store its hash, and return the plaintext (once)."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name,
        prefix=plaintext[:PREFIX_CHARS],
        key_hash=hash_key(container.settings.api_key_pepper, plaintext),
    )
    with session_scope(container.sessions) as session:
        session.add(row)
        session.flush()
        key_id = int(row.id)
    return CreatedKey(key_id, name, plaintext[:PREFIX_CHARS], plaintext)


def list_keys(container: Container) -> list[dict[str, Any]]:
    """Every key's id, name, prefix, creation and revocation time (never the key)."""
    with container.sessions() as session:
        rows = session.scalars(select(ApiKey).order_by(ApiKey.id)).all()
        return [
            {
                "id": row.id,
                "name": row.name,
                "prefix": row.prefix,
                "created_at": row.created_at,
                "revoked_at": row.revoked_at,
            }
            for row in rows
        ]


def revoke_key(container: Container, key_id: int) -> None:
    """Revoke a key by id (idempotent) and forget every cached check."""
    with session_scope(container.sessions) as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise NotFoundError(f"No API key with id {key_id}.", details={"id": key_id})
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)
    container.cache.delete_prefix("apikey:")


def authenticate(container: Container, key: str | None) -> KeyIdentity:
    """The identity of a presented key: 401 when missing or unknown, 403 when revoked."""
    if not key:
        raise AuthenticationError(
            "An API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."
        )
    digest = hash_key(container.settings.api_key_pepper, key.strip())
    cached = container.cache.get(_cache_key(digest))
    if cached is None:
        cached = _lookup(container, digest)
        container.cache.set(_cache_key(digest), cached, KEY_CACHE_SECONDS)
    if cached["status"] == "unknown":
        raise AuthenticationError("Unknown API key.")
    if cached["status"] == "revoked":
        raise ForbiddenError("This API key has been revoked.")
    return KeyIdentity(int(cached["id"]), str(cached["name"]))


def _lookup(container: Container, digest: str) -> dict[str, Any]:
    with container.sessions() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
        if row is None:
            return {"status": "unknown"}
        status = "revoked" if row.revoked_at is not None else "active"
        return {"status": status, "id": int(row.id), "name": row.name}


def check_key(container: Container, key: str) -> KeyIdentity:
    """The dashboard's key check (same rules as the API)."""
    return authenticate(container, key)


def local_key_path(container: Container) -> Path:
    """Where `ensure-local` keeps the local key (readable by its owner only)."""
    return container.settings.var_dir / LOCAL_KEY_FILE


def ensure_local_key(container: Container) -> tuple[str, bool]:
    """The local development key, created on first use; returns (key, created).

    Idempotent: a stored key that still authenticates is returned unchanged, so `make run`
    prints the same key on every start.
    """
    path = local_key_path(container)
    if path.exists():
        existing = path.read_text().strip()
        try:
            authenticate(container, existing)
        except (AuthenticationError, ForbiddenError):
            pass
        else:
            return existing, False
    created = create_key(container, LOCAL_KEY_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(created.key + "\n")
    os.chmod(path, 0o600)
    return created.key, True
