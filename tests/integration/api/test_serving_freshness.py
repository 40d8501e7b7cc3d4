"""What a serving process holds follows the stored data, and pricing a slip logs nothing.

The worker is a process of its own: an injury report it stores must reach a serving process's
answers and feature rows through the data stamp (within `STAMP_SECONDS`), not after the rows'
one-hour expiry. A slip's legs are priced to value the slip; they are no predictions served to
bet on, so the prediction log (the track record) must not grow.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, select

from statmusepicks.data.db.models import IngestionRun, Injury, Prediction
from statmusepicks.data.ingest import injuries
from statmusepicks.services import prediction_features
from statmusepicks.services.container import Container
from statmusepicks.services.prediction_request import PredictionRequest
from statmusepicks.services.predictions import prediction_service
from statmusepicks.services.slip_schema import SlipLegRequest, SlipRequest
from statmusepicks.services.slips import price_legs

DAY = dt.date(2025, 11, 11)
JOKIC = 203999


def _logged(container: Container) -> int:
    prediction_service(container).recorder.flush()
    with container.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Prediction)) or 0)


def _store_injury_run(container: Container, player_id: int, status: str) -> None:
    """What the worker's injury job leaves behind: the report's rows and its finished run."""
    reported = dt.datetime(2025, 11, 10, 18, tzinfo=dt.UTC)
    with container.engine.begin() as connection:
        connection.execute(
            insert(Injury).values(
                player_id=player_id,
                report_date=reported.date(),
                status=status,
                source="test",
                reported_at=reported,
            )
        )
        connection.execute(
            insert(IngestionRun).values(
                kind=injuries.RUN_KIND,
                started_at=reported,
                finished_at=reported,
                status="succeeded",
                rows_inserted=1,
                errors=[],
                payload_refs=[],
                details={},
            )
        )


def test_a_report_stored_by_another_process_reaches_the_answers(
    api_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prediction_features, "STAMP_SECONDS", 0.0)
    service = prediction_service(api_container)
    request = PredictionRequest(player=JOKIC, stat="points", line=25.5, date=DAY)
    first = service.predict(request, record=False)
    assert first["player_status"] is None
    with api_container.sessions() as session:
        before = service.inputs.data_stamp(session)
        player = service.resolve(session, str(JOKIC))
        target = service.inputs.target_game(session, player, request, before.newest)
    assert service.inputs.has(target)
    # Stored straight into the database: nothing in this process is told about it.
    _store_injury_run(api_container, JOKIC, "Questionable")
    with api_container.sessions() as session:
        after = service.inputs.data_stamp(session)
    assert after.newest == before.newest
    assert after.runs == before.runs + 1
    assert not service.inputs.has(target), "the rows of the old stamp are dropped"
    second = service.predict(request, record=False)
    assert second["player_status"]["status"] == "QUESTIONABLE"


def test_pricing_a_slip_adds_no_prediction_log_rows(api_container: Container) -> None:
    legs = [
        SlipLegRequest(player="Nikola Jokic", stat="points", line=26.5, side="over"),
        SlipLegRequest(player="Jamal Murray", stat="points", line=21.5, side="over"),
    ]
    before = _logged(api_container)
    priced = price_legs(api_container, SlipRequest(legs=legs, date=DAY))
    assert len(priced) == 2
    assert _logged(api_container) == before
    prediction_service(api_container).predict(
        PredictionRequest(player=JOKIC, stat="points", line=26.5, date=DAY)
    )
    assert _logged(api_container) == before + 1, "a served prediction is still logged"
