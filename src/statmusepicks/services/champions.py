"""The champion models one process serves, and how it notices a promotion made elsewhere.

The predictor is loaded once per process (an empty registry serves season averages). Every
`PROMOTION_CHECK_SECONDS` the champion aliases on disk and the stored market refits are read
again; when they changed (a promotion or a new training run, in any process) the models are
reloaded on a background thread while answers keep coming from the old ones. A model that
fails on a row falls back to the season average rather than failing the answer.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from statmusepicks.core.errors import ModelNotAvailableError
from statmusepicks.core.logging import get_logger
from statmusepicks.core.stats import CHAMPION, StatSpec
from statmusepicks.models.distributions import PropDistribution
from statmusepicks.models.predictor import Predictor, load_predictor
from statmusepicks.models.registry import ModelRegistry
from statmusepicks.services.container import Container
from statmusepicks.services.market_fits import market_fit_stamp, with_market_fits

log = get_logger(__name__)

# How often each process looks at the champion aliases on disk (a few small JSON reads).
PROMOTION_CHECK_SECONDS = 30.0

ChampionStamp = tuple[tuple[str, str], ...]


@dataclass
class ChampionModels:
    """The process's champion predictor: loaded once, swapped when the champions change.

    `on_change` runs after every swap, so that answers priced by the old models are dropped.
    """

    container: Container
    on_change: Callable[[], object]
    predictor: Predictor | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: tuple[float, ChampionStamp | None] = (0.0, None)
    _reloading: threading.Event = field(default_factory=threading.Event)

    def get(self) -> Predictor:
        """The champion predictor, loaded once (an empty registry serves season averages)."""
        if self.predictor is None:
            with self._lock:
                if self.predictor is None:
                    try:
                        self._seen = (time.monotonic(), self._stamp())
                        self.predictor = with_market_fits(
                            self.container, load_predictor(self.container.settings)
                        )
                    except Exception as exc:
                        log.error("predictor failed to load; season averages only", error=repr(exc))
                        self.predictor = Predictor()
        return self.predictor

    def _stamp(self) -> ChampionStamp:
        registry = ModelRegistry(self.container.settings)
        champions = tuple(
            (name, registry.aliases(name).get(CHAMPION, "")) for name in registry.names()
        )
        # A stored market refit changes what serving computes as much as a promotion does.
        return (*champions, ("market_fits", market_fit_stamp(self.container)))

    def check_promotions(self) -> bool:
        """Reload in the background when the champions on disk changed (a promotion or a new
        training run, in any process); answers keep coming from the old models meanwhile."""
        checked, seen = self._seen
        now = time.monotonic()
        if now - checked < PROMOTION_CHECK_SECONDS:
            return False
        current = self._stamp()
        self._seen = (now, current)
        if seen is None or seen == current or self._reloading.is_set():
            return False
        self._reloading.set()
        threading.Thread(target=self._reload_changed, name="model-reload", daemon=True).start()
        return True

    def _reload_changed(self) -> None:
        try:
            predictor = load_predictor(self.container.settings)
            self.reload(with_market_fits(self.container, predictor))
            log.info("champions changed: models reloaded", versions=self.get().versions)
        except Exception as exc:
            log.error("model reload failed; serving the previous models", error=repr(exc))
        finally:
            self._reloading.clear()

    def reload(self, predictor: Predictor | None = None) -> Predictor:
        """Swap in a new predictor (None: load the champions again) and run `on_change`."""
        with self._lock:
            self.predictor = predictor
        self.on_change()
        return self.get()

    def distribution(
        self,
        frame: pd.DataFrame,
        spec: StatSpec,
        player_id: int,
        predictor: Predictor | None = None,
    ) -> PropDistribution:
        """Player model, else global, else season average (a broken model falls through too)."""
        predictor = predictor or self.get()
        try:
            return predictor.predict(frame, spec.key, player_id=player_id)[0]
        except ModelNotAvailableError:
            raise
        except Exception as exc:
            log.error("model failed; serving the season average", stat=spec.key, error=repr(exc))
            return Predictor().predict(frame, spec.key, player_id=player_id)[0]

    def stamp(self, predictor: Predictor | None = None) -> str:
        """A short hash of the served model versions, part of every cached answer's key."""
        versions = sorted((predictor or self.get()).versions.items())
        return hashlib.sha256(repr(versions).encode()).hexdigest()[:12]
