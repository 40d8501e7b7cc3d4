"""The on-disk model store and its mirror in the `models` table (no MLflow here).

Every registered version is written to `var_dir/models/<name>/<version>/model.joblib` and the
aliases of a name to `var_dir/models/<name>/aliases.json` (with the champion history for
rollbacks), so that serving restarts without an MLflow server; the `models` table mirrors
versions, aliases and metrics for the API. `models/registry.py` builds on this store and is the
only module that talks to MLflow.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from statmusepicks.core.errors import NotFoundError
from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.models import ModelRecord
from statmusepicks.data.db.session import session_scope
from statmusepicks.models.bundle import MODEL_PREFIX, StatModel

MODEL_FILE = "model.joblib"
ALIASES_FILE = "aliases.json"
# Creating a store takes seconds; a lock held longer than this belongs to a stuck process.
STORE_LOCK_SECONDS = 60.0

log = get_logger(__name__)


@dataclass
class AliasBook:
    """Aliases of one registered model on disk, with the champion history for rollbacks."""

    aliases: dict[str, str] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)

    @staticmethod
    def read(path: Path) -> AliasBook:
        if not path.exists():
            return AliasBook()
        raw = json.loads(path.read_text())
        return AliasBook(dict(raw.get("aliases", {})), list(raw.get("history", [])))

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"aliases": self.aliases, "history": self.history}, indent=2))
        tmp.replace(path)


def models_dir(settings: Settings) -> Path:
    """Root of the on-disk model store."""
    return settings.var_dir / "models"


class ModelStore:
    """The versions and aliases on disk, and their rows in the `models` table."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session] | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.root = models_dir(settings)

    # ------------------------------------------------------------------------- disk
    def versions(self, name: str) -> list[str]:
        """Versions of a model with a file on disk, oldest first."""
        folder = self.root / name
        if not folder.exists():
            return []
        found = [p.name for p in folder.iterdir() if (p / MODEL_FILE).exists()]
        return sorted(found, key=int)

    def names(self) -> list[str]:
        """Every registered model name with files on disk."""
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.name.startswith(MODEL_PREFIX))

    def aliases(self, name: str) -> dict[str, str]:
        """Alias -> version for one model."""
        return AliasBook.read(self.root / name / ALIASES_FILE).aliases

    def _require_version(self, name: str, version: str) -> None:
        if not (self.root / name / version / MODEL_FILE).exists():
            raise NotFoundError(
                f"{name} has no version {version}",
                details={"name": name, "versions": self.versions(name)},
            )

    # ------------------------------------------------------------------------- db mirror
    def _mirror(
        self, model: StatModel, *, run_id: str, artifact_uri: str, metrics: dict[str, float]
    ) -> None:
        """Record a new version in the `models` table.

        A row already there under the same name and version belongs to another registry (a
        shared PostgreSQL database next to a new machine's local MLflow store, whose numbering
        starts again at 1): the registry is the source of truth, so the stale row is replaced.
        """
        if self.sessions is None:
            return
        with session_scope(self.sessions) as session:
            row = session.scalar(
                select(ModelRecord).where(
                    ModelRecord.name == model.name, ModelRecord.version == model.version
                )
            )
            if row is None:
                row = ModelRecord(name=model.name, version=model.version)
                session.add(row)
            elif row.run_id != run_id:
                log.warning("stale models row replaced", name=model.name, version=model.version)
            row.stat, row.scope, row.alias = model.stat, model.scope, None
            row.run_id, row.artifact_uri, row.metrics = run_id, artifact_uri, metrics

    def _mirror_alias(self, name: str, alias: str, version: str | None) -> None:
        if self.sessions is None:
            return
        with session_scope(self.sessions) as session:
            session.execute(
                update(ModelRecord)
                .where(ModelRecord.name == name, ModelRecord.alias == alias)
                .values(alias=None)
            )
            if version is not None:
                session.execute(
                    update(ModelRecord)
                    .where(ModelRecord.name == name, ModelRecord.version == version)
                    .values(alias=alias)
                )

    def mirrored(self) -> list[ModelRecord]:
        """Rows of the `models` table (empty without a database)."""
        if self.sessions is None:
            return []
        with self.sessions() as session:
            return list(session.scalars(select(ModelRecord).order_by(ModelRecord.id)))


@contextmanager
def file_lock(path: Path, timeout: float = STORE_LOCK_SECONDS) -> Iterator[None]:
    """An exclusive lock between processes on this machine (the local store is one file).

    Bounded: after `timeout` seconds it raises TimeoutError rather than wait on another
    process forever.
    """
    deadline = time.monotonic() + timeout
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} stayed locked for {timeout:g} s") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
