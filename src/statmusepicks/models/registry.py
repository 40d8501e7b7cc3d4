"""The model registry: MLflow runs and registered models, mirrored to disk and the `models` table.

This is the only module that imports mlflow (import-linter enforces it). Each trained
`StatModel` becomes one MLflow run (parameters, metrics, artifacts: the pickled bundle, its
feature list, calibrator and dataset version) and one version of the registered model
`smp-<stat>-<scope>`. Aliases `champion` and `challenger` replace the deprecated stages.

Every version is also written to the on-disk store (`model_store`: the bundle and the aliases
with their history, and the `models` table mirror), so that serving restarts without an MLflow
server.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from statmusepicks.core.errors import NotFoundError
from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import CHAMPION
from statmusepicks.models.bundle import MODEL_PREFIX, StatModel
from statmusepicks.models.model_store import (
    ALIASES_FILE,
    MODEL_FILE,
    AliasBook,
    ModelStore,
    file_lock,
)

EXPERIMENT = "statmusepicks"
CHALLENGER = "challenger"

log = get_logger(__name__)


def _flat(values: dict[str, Any]) -> dict[str, str]:
    return {k: str(v)[:500] for k, v in values.items()}


class ModelRegistry(ModelStore):
    """Register, promote, roll back, list and load models (the store on disk, plus MLflow)."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session] | None = None) -> None:
        super().__init__(settings, sessions)
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
            with file_lock(path.with_name(path.name + ".lock")):
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
            if model.reference is not None:
                # The drift reference, readable in the MLflow UI (serving reads the bundle's).
                (folder / "reference.json").write_text(json.dumps(model.reference.to_dict()))
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
        book = AliasBook.read(self.root / name / ALIASES_FILE)
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
        path = self.root / name / ALIASES_FILE
        book = AliasBook.read(path)
        book.aliases[alias] = version
        book.write(path)
        self._mirror_alias(name, alias, version)

    def promote(self, name: str, version: str) -> None:
        """Make `version` the champion; the previous champion is kept for `rollback`."""
        self._require_version(name, version)
        path = self.root / name / ALIASES_FILE
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
        path = self.root / name / ALIASES_FILE
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

    # ------------------------------------------------------------------------- queries
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


def _server_champions(registry: ModelRegistry) -> dict[str, str]:
    """Champion versions by name as a tracking server holds them (empty when it is down)."""
    champions: dict[str, str] = {}
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
    return champions


def is_local_store(settings: Settings) -> bool:
    """Whether the MLflow store is a file on this machine (not a tracking server)."""
    return settings.mlflow_tracking_uri.startswith("sqlite:///")


def load_champions(settings: Settings) -> list[StatModel]:
    """Every champion: the disk alias, overridden by the MLflow alias of a tracking server.

    A local store is never opened here: every alias it holds was written to disk by the same
    `_set_alias` call, and opening it means waiting on any process that writes to it (SQLite
    locks the whole file, for up to MLflow's 20 s busy timeout per query) or creates it.
    """
    registry = ModelRegistry(settings)
    champions: dict[str, str] = {
        name: version
        for name in registry.names()
        if (version := registry.aliases(name).get(CHAMPION)) is not None
    }
    if not is_local_store(settings):
        champions.update(_server_champions(registry))
    models = []
    for name, version in sorted(champions.items()):
        try:
            models.append(registry.load(name, version))
        except Exception as exc:
            log.error("champion failed to load", name=name, version=version, error=str(exc))
    return models
