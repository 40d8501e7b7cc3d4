"""GET /api/models lists every served model with its registry alias and metrics."""

from __future__ import annotations

import httpx

from statmusepicks.models.bundle import StatModel
from statmusepicks.services.models import ModelsReport


async def test_each_served_model_is_listed_with_its_alias_and_metrics(
    client: httpx.AsyncClient, served_models: list[StatModel]
) -> None:
    body = (await client.get("/api/models")).json()
    report = ModelsReport.model_validate(body)
    listed = {(m.name, m.version): m for m in report.models}
    assert set(listed) == {(m.name, m.version) for m in served_models}
    for model in served_models:
        entry = listed[(model.name, model.version)]
        assert (entry.stat, entry.scope) == (model.stat, model.scope)
        assert entry.alias == "champion"
        assert entry.metrics == model.metrics
    assert body["registered"]  # the registry rows are still there
    assert body["serving"]["points"]["global"] == "smp-points-global:1"
