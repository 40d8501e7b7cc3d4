"""The model registry: MLflow runs and registered models, mirrored to disk and the `models` table.

This is the only module that imports mlflow (import-linter enforces it). Each trained
`StatModel` becomes one MLflow run (parameters, metrics, artifacts: the pickled bundle, its
feature list, calibrator and dataset version) and one version of the registered model
`smp-<stat>-<scope>`. Aliases `champion` and `challenger` replace the deprecated stages.

Every version is also written to `var_dir/models/<name>/<version>/model.joblib` and the aliases
to `var_dir/models/<name>/aliases.json`, so that serving restarts without an MLflow server; the
`models` table mirrors versions, aliases and metrics for the API.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from statmusepicks.core.errors import NotFoundError
from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import CHAMPION
from statmusepicks.data.db.models import ModelRecord
from statmusepicks.data.db.session import session_scope
from statmusepicks.models.bundle import MODEL_PREFIX, StatModel

EXPERIMENT = "statmusepicks"
CHALLENGER = "challenger"
MODEL_FILE = "model.joblib"

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


def _flat(values: dict[str, Any]) -> dict[str, str]:
    return {k: str(v)[:500] for k, v in values.items()}


class ModelRegistry:
    """Register, promote, roll back, list and load models."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session] | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.root = models_dir(settings)
        self._client: Any = None

    # ------------------------------------------------------------------------- mlflow
    @property
    def client(self) -> Any:
        """The MLflow client, created on first use (importing mlflow takes about a second)."""
        if self._client is None:
            from mlflow.tracking import MlflowClient

            uri = self.settings.mlflow_tracking_uri
            if not uri.startswith("sqlite:///"):
                self._client = MlflowClient(tracking_uri=uri, registry_uri=uri)
                return self._client
            path = Path(uri.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            # Each store creates and migrates its tables on first use; two server workers
            # starting on a new file would race to do it, so the first use happens under a lock.
            with _file_lock(path.with_name(path.name + ".lock")):
                client = MlflowClient(tracking_uri=uri, registry_uri=uri)
                client.search_experiments(max_results=1)
                client.search_registered_models(max_results=1)
            self._client = client
        return self._client

    def _experiment_id(self) -> str:
        found = self.client.get_experiment_by_name(EXPERIMENT)
        if found is not None:
            return str(found.experiment_id)
        location = (self.settings.var_dir / "mlartifacts").resolve().as_uri()
        return str(self.client.create_experiment(EXPERIMENT, artifact_location=location))

    def _ensure_registered(self, name: str) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_registered_model(name)
        except MlflowException:
            self.client.create_registered_model(name, description=f"StatMusePicks {name}")

    # ------------------------------------------------------------------------- register
    def register(
        self,
        model: StatModel,
        *,
        params: dict[str, Any] | None = None,
        metrics: dict[str, float] | None = None,
        artifacts: dict[str, Path] | None = None,
        promote: str = "auto",
    ) -> str:
        """Log the model as a run, register a new version and return the version string.

        `promote`: 'champion', 'challenger' or 'auto' (champion when the name has none yet or
        when the new version's validation MAE is no worse than the champion's).
        """
        from mlflow.entities import Metric, Param

        metrics = {k: float(v) for k, v in (metrics or model.metrics).items() if v == v}
        experiment_id = self._experiment_id()
        run = self.client.create_run(
            experiment_id,
            run_name=model.name,
            tags={"stat": model.stat, "scope": model.scope, "variant": model.variant},
        )
        run_id = run.info.run_id
        all_params = {
            "stat": model.stat,
            "scope": model.scope,
            "variant": model.variant,
            "n_features": len(model.features),
            "spread_family": model.spread.family,
            "trained_through": model.trained_through,
            "dataset_version": model.dataset_version,
            "players": len(model.players),
            **(params or model.params),
        }
        self.client.log_batch(
            run_id,
            metrics=[Metric(k, v, 0, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in _flat(all_params).items()],
        )
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            model.save(folder / MODEL_FILE)
            (folder / "features.json").write_text(json.dumps(model.features, indent=1))
            (folder / "dataset.json").write_text(
                json.dumps(
                    {
                        "dataset_version": model.dataset_version,
                        "trained_through": model.trained_through,
                    }
                )
            )
            self.client.log_artifacts(run_id, str(folder), "model")
        for label, path in (artifacts or {}).items():
            if path.exists():
                self.client.log_artifact(run_id, str(path), f"reports/{label}")
        self.client.set_terminated(run_id)

        self._ensure_registered(model.name)
        source = f"{run.info.artifact_uri}/model"
        created = self.client.create_model_version(model.name, source, run_id=run_id)
        version = str(created.version)
        model.version = version
        model.save(self.root / model.name / version / MODEL_FILE)
        self._mirror(model, run_id=run_id, artifact_uri=source, metrics=metrics)

        alias = promote
        if promote == "auto":
            alias = CHAMPION if self._beats_champion(model.name, metrics) else CHALLENGER
        if alias == CHAMPION:
            self.promote(model.name, version)
        else:
            self._set_alias(model.name, CHALLENGER, version)
        log.info("model registered", name=model.name, version=version, alias=alias)
        return version

    def _beats_champion(self, name: str, metrics: dict[str, float]) -> bool:
        book = AliasBook.read(self.root / name / "aliases.json")
        champion = book.aliases.get(CHAMPION)
        if champion is None:
            return True
        path = self.root / name / champion / MODEL_FILE
        if not path.exists():
            return True
        old = StatModel.load(path).metrics.get("valid_mae")
        new = metrics.get("valid_mae")
        return old is None or new is None or new <= old

    # ------------------------------------------------------------------------- aliases
    def _set_alias(self, name: str, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(name, alias, version)
        path = self.root / name / "aliases.json"
        book = AliasBook.read(path)
        book.aliases[alias] = version
        book.write(path)
        self._mirror_alias(name, alias, version)

    def promote(self, name: str, version: str) -> None:
        """Make `version` the champion; the previous champion is kept for `rollback`."""
        self._require_version(name, version)
        path = self.root / name / "aliases.json"
        book = AliasBook.read(path)
        previous = book.aliases.get(CHAMPION)
        if previous == version:
            return
        if previous is not None:
            book.history.append(previous)
        if book.aliases.get(CHALLENGER) == version:
            book.aliases.pop(CHALLENGER)
            self._drop_alias(name, CHALLENGER)
        book.write(path)
        self._set_alias(name, CHAMPION, version)

    def rollback(self, name: str) -> str:
        """Restore the previous champion; the demoted version becomes the challenger."""
        path = self.root / name / "aliases.json"
        book = AliasBook.read(path)
        if not book.history:
            raise NotFoundError(f"{name} has no earlier champion to roll back to")
        previous = book.history.pop()
        demoted = book.aliases.get(CHAMPION)
        book.write(path)
        self._set_alias(name, CHAMPION, previous)
        if demoted is not None:
            self._set_alias(name, CHALLENGER, demoted)
        return previous

    def _drop_alias(self, name: str, alias: str) -> None:
        from mlflow.exceptions import MlflowException

        with suppress(MlflowException):
            self.client.delete_registered_model_alias(name, alias)
        self._mirror_alias(name, alias, None)

    def _require_version(self, name: str, version: str) -> None:
        if not (self.root / name / version / MODEL_FILE).exists():
            raise NotFoundError(
                f"{name} has no version {version}",
                details={"name": name, "versions": self.versions(name)},
            )

    # ------------------------------------------------------------------------- queries
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
        return AliasBook.read(self.root / name / "aliases.json").aliases

    def load(self, name: str, version: str) -> StatModel:
        """One version's bundle, from disk (downloaded from MLflow first if absent)."""
        path = self.root / name / version / MODEL_FILE
        if not path.exists():
            found = self.client.get_model_version(name, version)
            local = self.client.download_artifacts(found.run_id, "model", tempfile.mkdtemp())
            model = StatModel.load(Path(local) / MODEL_FILE)
            model.version = version
            model.save(path)
        return StatModel.load(path)

    def show(self, name: str) -> dict[str, Any]:
        """A model's versions, aliases and each version's metrics."""
        versions = self.versions(name)
        if not versions:
            raise NotFoundError(f"no model named {name}", details={"known": self.names()})
        aliases = self.aliases(name)
        by_version = {v: a for a, v in aliases.items()}
        rows = []
        for version in versions:
            model = self.load(name, version)
            rows.append(
                {
                    "version": version,
                    "alias": by_version.get(version),
                    "variant": model.variant,
                    "trained_through": model.trained_through,
                    "players": len(model.players),
                    "metrics": model.metrics,
                }
            )
        return {"name": name, "aliases": aliases, "versions": rows}

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
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on this machine (the local store is one file)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _quick_failing_mlflow() -> Iterator[None]:
    """Make an unreachable MLflow server fail fast instead of retrying for minutes."""
    keys = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"}
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(keys)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_champions(settings: Settings) -> list[StatModel]:
    """Every champion: the MLflow alias when the registry answers, the disk alias otherwise."""
    registry = ModelRegistry(settings)
    champions: dict[str, str] = {
        name: version
        for name in registry.names()
        if (version := registry.aliases(name).get(CHAMPION)) is not None
    }
    try:
        with _quick_failing_mlflow():
            for found in registry.client.search_registered_models(
                filter_string=f"name LIKE '{MODEL_PREFIX}-%'"
            ):
                version = (found.aliases or {}).get(CHAMPION)
                if version is not None:
                    champions[found.name] = str(version)
    except Exception as exc:
        log.warning("mlflow registry unavailable, serving champions from disk", error=str(exc))
    models = []
    for name, version in sorted(champions.items()):
        try:
            models.append(registry.load(name, version))
        except Exception as exc:
            log.error("champion failed to load", name=name, version=version, error=str(exc))
    return models
