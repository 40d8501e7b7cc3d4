"""The text-signals job: injury notes read as numbers and stored with their source and time.

With a language model configured each note is read by it (and checked); without one, or when
it fails on a note, the rules of `data.ingest.text_signals` read it. A note is observed when
its report was published (`injuries.reported_at`); features use it for games on later days.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from statmusepicks.core.logging import get_logger
from statmusepicks.data.ingest.text_signals import RULES_EXTRACTOR, Reading, read_signals
from statmusepicks.data.repositories.text_signals import (
    add_signals,
    all_signals,
    graded_predictions,
    injury_notes,
)
from statmusepicks.evaluation.text_signals import SignalEvaluation, compare_brier
from statmusepicks.features.text_signals import signal_features
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport
from statmusepicks.services.llm.providers import LLMError, LLMProvider, llm_provider
from statmusepicks.services.llm.signals import model_readings

log = get_logger(__name__)

JOB_NAME = "text_signals"
# Reports are re-read for a few days: a job slot that failed or was skipped loses nothing.
LOOKBACK_DAYS = 3


async def model_or_rules(
    texts: Sequence[str], provider: LLMProvider, seconds: float
) -> tuple[list[tuple[list[Reading], str]], int]:
    """Each text's readings by the model, or by the rules where the model fails; the failures."""
    results: list[tuple[list[Reading], str]] = []
    failures = 0
    for text in texts:
        try:
            readings = await model_readings(provider, text, seconds)
            results.append((readings, f"llm:{provider.model}"[:40]))
        except (LLMError, TimeoutError) as exc:
            failures += 1
            log.warning("language model could not read a note; using the rules", error=str(exc))
            results.append((read_signals(text), RULES_EXTRACTOR))
    return results, failures


def read_texts(
    texts: Sequence[str], provider: LLMProvider | None, seconds: float
) -> tuple[list[tuple[list[Reading], str]], int]:
    """Each text's readings and who made them, and how often the model failed (blocking:
    without a model no event loop is needed; with one, call it from a worker thread)."""
    if provider is None:
        return [(read_signals(text), RULES_EXTRACTOR) for text in texts], 0
    return asyncio.run(model_or_rules(texts, provider, seconds))


def signal_rows(notes: pd.DataFrame, read: list[tuple[list[Reading], str]]) -> list[dict[str, Any]]:
    """Table rows for the readings of each note."""
    rows = []
    for note, (readings, extractor) in zip(notes.itertuples(index=False), read, strict=True):
        for reading in readings:
            rows.append(
                {
                    "player_id": int(note.player_id),
                    "team": None,
                    "kind": reading.kind,
                    "value": reading.value,
                    "source": f"injuries:{note.source}"[:40],
                    "source_text": str(note.note),
                    "observed_at": note.reported_at,
                    "extractor": extractor,
                }
            )
    return rows


def extract_text_signals(container: Container, as_of: dt.datetime) -> JobReport:
    """Read the injury notes published in the LOOKBACK_DAYS before `as_of` into signals."""
    report = JobReport(job=JOB_NAME, as_of=as_of)
    with container.sessions() as session:
        notes = injury_notes(session, as_of - dt.timedelta(days=LOOKBACK_DAYS), as_of)
    provider = llm_provider(container.settings)
    texts = notes["note"].astype(str).tolist()
    read, failures = read_texts(texts, provider, container.settings.llm_timeout_seconds)
    with container.sessions() as session:
        report.rows = add_signals(session, signal_rows(notes, read))
    report.details = {"notes": len(notes), "model_failures": failures}
    return report


def graded_lines(container: Container) -> pd.DataFrame:
    """Every graded prediction that did not push: its date, P(over | no push) and outcome,
    with the text-signal features of its player as of its game day."""
    with container.sessions() as session:
        rows = graded_predictions(session)
        signals = all_signals(session)
    rows = rows[rows["actual"] != rows["line"]].reset_index(drop=True)
    decided = rows["over_probability"] + rows["under_probability"]
    rows["p_over"] = rows["over_probability"] / decided
    rows["over"] = (rows["actual"] > rows["line"]).astype(int)
    return pd.concat([rows, signal_features(rows, signals)], axis=1)


def evaluate_text_signals(container: Container, split: dt.date) -> SignalEvaluation:
    """The out-of-time Brier comparison on the graded lines that have text signals."""
    return compare_brier(graded_lines(container), split)
