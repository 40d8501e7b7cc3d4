"""The provisioned Grafana dashboard queries only metrics the service exposes on /metrics."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from statmusepicks.core.metrics import exposition
from statmusepicks.core.settings import Settings
from statmusepicks.services.monitoring_state import MonitoringCollector
from tests.environments import memory_container

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboards"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}


def exposed_names(sqlite_engine: Engine, settings: Settings) -> set[str]:
    container = memory_container(settings, sqlite_engine)
    now = dt.datetime.now(dt.UTC)
    text = exposition([MonitoringCollector(container, lambda: now)]).decode()
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
    return names


def test_every_queried_metric_is_exposed(sqlite_engine: Engine, settings: Settings) -> None:
    dashboard = json.loads((DASHBOARD / "statmusepicks.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        for name in re.findall(r"statmusepicks_[a-z_]+", target["expr"])
    }
    assert len(queried) >= 10
    assert queried <= exposed_names(sqlite_engine, settings)
