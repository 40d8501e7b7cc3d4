"""Text signals end to end: injury notes read (by rules or the language model), stored with
source and time, shown to the analysis from the next game day on, and evaluated honestly."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from statmusepicks.core.errors import ValidationError
from statmusepicks.data.db.models import Injury
from statmusepicks.data.repositories.text_signals import add_signals, all_signals
from statmusepicks.services.container import Container
from statmusepicks.services.text_signals import evaluate_text_signals, extract_text_signals
from tests.upstream_fakes import LLMServer, running_llm

JOKIC = 203999
PROP = {"player": "Nikola Jokic", "stat": "points", "line": 25.5}
NOTE = "Questionable (ankle); on a 24-minute restriction if he plays"


async def _game_date(client: httpx.AsyncClient) -> dt.date:
    body = (await client.post("/api/analysis", json=PROP)).json()
    return dt.date.fromisoformat(body["numericEvidence"]["gameDate"])


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _report(container: Container, day: dt.date, note: str = NOTE) -> None:
    """A report published at 11:00 UTC of `day`."""
    with container.sessions() as session:
        session.add(
            Injury(
                player_id=JOKIC,
                report_date=day,
                reported_at=_noon(day) - dt.timedelta(hours=1),
                status="questionable",
                note=note,
                source="csv",
            )
        )
        session.commit()


async def test_notes_become_signals_the_analysis_sees_before_the_game(
    api_container: Container, client: httpx.AsyncClient
) -> None:
    game = await _game_date(client)
    _report(api_container, game - dt.timedelta(days=1))
    _report(api_container, game, "Ruled out (ankle)")  # the game day itself: too late for it

    # A sync job, run off the event loop as the worker runs it.
    report = await asyncio.to_thread(
        extract_text_signals, api_container, _noon(game - dt.timedelta(days=1))
    )
    assert report.ok
    assert report.rows == 2
    assert report.details["notes"] == 1  # not the next day's
    again = await asyncio.to_thread(extract_text_signals, api_container, _noon(game))
    assert again.rows == 1  # only the game-day note is new
    with api_container.sessions() as session:
        stored = all_signals(session)
    assert set(stored["extractor"]) == {"rules"}
    assert set(stored["source"]) == {"injuries:csv"}

    body = (await client.post("/api/analysis", json=PROP)).json()
    signals = {s["kind"]: s for s in body["numericEvidence"]["textSignals"]}
    assert signals["availability"]["value"] == 0.5  # not the game-day "ruled out"
    assert signals["minutes_restriction"]["value"] == 24.0
    assert signals["availability"]["sourceText"] == NOTE
    assert "injuries:csv" in body["dataUsed"]["sources"]


@pytest.mark.parametrize(
    ("answer", "extractor", "failures"),
    [
        (['{"signals": [{"kind": "availability", "value": 0.5}]}'], "llm:llama3.1:8b", 0),
        (['{"signals": [{"kind": "availability", "value": 7}]}'], "rules", 1),
    ],
)
def test_the_language_model_reads_notes_and_is_checked(
    api_container: Container, answer: list[str], extractor: str, failures: int
) -> None:
    day = dt.date(2025, 11, 10)
    _report(api_container, day)
    with running_llm(LLMServer(chunks=answer)) as fake:
        update = {"ollama_url": fake.ollama_url, "ollama_model": "llama3.1:8b"}
        settings = api_container.settings.model_copy(update=update)
        report = extract_text_signals(replace(api_container, settings=settings), _noon(day))
        assert fake.requests[0][1]["messages"][1]["content"] == NOTE
    assert report.details["model_failures"] == failures
    with api_container.sessions() as session:
        assert set(all_signals(session)["extractor"]) == {extractor}


def test_the_bundled_data_has_no_text_to_evaluate(api_container: Container) -> None:
    with pytest.raises(ValidationError, match="Too few lines with text signals"):
        evaluate_text_signals(api_container, dt.date(2025, 11, 1))


def test_the_table_keeps_one_row_per_reading_on_every_database(engine: Engine) -> None:
    assert "text_signals" in inspect(engine).get_table_names()
    row = {
        "player_id": JOKIC,
        "team": None,
        "kind": "availability",
        "value": 0.5,
        "source": "injuries:csv",
        "source_text": NOTE,
        "observed_at": dt.datetime(2025, 11, 9, tzinfo=dt.UTC),
        "extractor": "rules",
    }
    with Session(engine) as session:
        assert add_signals(session, [row, row]) == 1
        assert add_signals(session, [row]) == 0
        stored = all_signals(session)
    assert stored["observed_at"].iloc[0] == row["observed_at"]
