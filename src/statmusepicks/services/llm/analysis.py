"""`POST /api/analysis`: a written analysis of one prop, from the model's numbers only.

The prop is priced by the prediction service; its numbers become the prompt; the language
model's answer is parsed into {recommendation, confidence, reasoning}. When the model leans
against a prediction that is confident (at least REVIEW_PROBABILITY on the other side), its
recommendation is withheld and the analysis is flagged for review. Answers are cached by a hash
of the evidence for `cache_ttl_analysis` (24 h). Without a configured model, or when it fails,
the analysis is written from the numbers (`source: "deterministic"`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from statmusepicks.core.logging import get_logger
from statmusepicks.core.numbers import finite_or_none
from statmusepicks.core.seasons import season_of_days
from statmusepicks.core.stats import resolve_stat
from statmusepicks.data.repositories import players as repo
from statmusepicks.data.repositories.text_signals import signals_before
from statmusepicks.features.arenas import team_codes
from statmusepicks.features.opponent import ratings_as_of
from statmusepicks.features.text_signals import SIGNAL_WINDOW_DAYS
from statmusepicks.features.timeline import day_numbers
from statmusepicks.services.container import Container
from statmusepicks.services.llm.evidence import (
    CONFIDENCE_WORDS,
    analysis_messages,
    confidence_word,
    data_used,
    favoured_side,
    numeric_evidence,
    recent_form,
    written_analysis,
)
from statmusepicks.services.llm.providers import LLMError, LLMProvider, complete
from statmusepicks.services.prediction_request import PredictionRequest
from statmusepicks.services.predictions import prediction_service

log = get_logger(__name__)

# A model this sure of one side is not overruled by prose: the write-up goes to review.
REVIEW_PROBABILITY = 0.65
# Box scores read for recent form: a season and a half covers the current season's average.
FORM_GAMES = 120
# Share of the request budget the language model may use; pricing and the fallback use the rest.
LLM_BUDGET_SHARE = 0.6
JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)

Side = Literal["OVER", "UNDER"]
Confidence = Literal["High", "Medium", "Low"]


class Verdict(BaseModel):
    """What a language model answered, normalised."""

    recommendation: Side | None = None
    confidence: Confidence = "Low"
    reasoning: str = Field(min_length=1)

    @field_validator("recommendation", mode="before")
    @classmethod
    def _side(cls, value: Any) -> Any:
        text = str(value or "").strip().upper()
        return text if text in {"OVER", "UNDER"} else None

    @field_validator("confidence", mode="before")
    @classmethod
    def _confidence(cls, value: Any) -> Any:
        return CONFIDENCE_WORDS.get(str(value or "").strip().lower(), "Low")


def parse_verdict(text: str) -> Verdict:
    """The first JSON object in a model's answer (code fences and chatter around it ignored)."""
    found = JSON_OBJECT.search(text)
    if found is None:
        raise LLMError("The language model's answer holds no JSON object.")
    try:
        return Verdict.model_validate(json.loads(found.group(0)))
    except (json.JSONDecodeError, PydanticValidationError) as exc:
        raise LLMError(f"The language model's answer is not a verdict: {exc}") from exc


def review(verdict: Verdict, evidence: Mapping[str, Any]) -> tuple[Side | None, bool]:
    """The recommendation to publish and whether a human should look first."""
    side, probability = favoured_side(evidence)
    against = verdict.recommendation is not None and verdict.recommendation != side
    if against and probability >= REVIEW_PROBABILITY:
        return None, True
    return verdict.recommendation, False


def evidence_key(evidence: Mapping[str, Any], provider: LLMProvider) -> str:
    """Cache key: the provider, its model and a hash of every number in the prompt."""
    body = json.dumps(evidence, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{provider.name}|{provider.model}|{body}".encode()).hexdigest()
    return f"analysis:{digest[:32]}"


def opponent_evidence(
    container: Container, opponent: str | None, game_date: dt.date
) -> dict[str, Any]:
    """`{name, defensiveRating, pace}` of the opponent as of the game (the features' ratings)."""
    if not opponent:
        return {"name": None, "defensiveRating": None, "pace": None}
    with container.sessions() as session:
        teams = container.team_games.get(session)
    day = day_numbers(pd.Series([game_date]))
    ratings = ratings_as_of(teams, team_codes(np.array([opponent])), day, season_of_days(day))
    return {
        "name": opponent,
        "defensiveRating": finite_or_none(ratings["drtg"].iloc[0], 1),
        "pace": finite_or_none(ratings["pace"].iloc[0], 1),
    }


def signal_evidence(signals: pd.DataFrame, game_date: dt.date) -> list[dict[str, Any]]:
    """The newest signal of each kind within the features' window before the game."""
    start = pd.Timestamp(game_date, tz="UTC") - pd.Timedelta(days=SIGNAL_WINDOW_DAYS)
    recent = signals[signals["observed_at"] >= start]
    newest = recent.groupby("kind", sort=True).tail(1)
    return [
        {
            "kind": row.kind,
            "value": float(row.value),
            "source": row.source,
            "sourceText": row.source_text,
            "observedAt": row.observed_at.isoformat(),
        }
        for row in newest.itertuples(index=False)
    ]


def gather_evidence(container: Container, request: PredictionRequest) -> dict[str, Any]:
    """Price the prop, read the player's recent form, the opponent's ratings and the text
    signals known before the game (blocking: run it in a thread)."""
    prediction = prediction_service(container).predict(request)
    spec = resolve_stat(prediction["stat"])
    before = dt.date.fromisoformat(prediction["game_date"])
    with container.sessions() as session:
        logs = repo.recent_player_game_logs(
            session, prediction["player_id"], before=before, limit=FORM_GAMES
        )
        cutoff = dt.datetime.combine(before, dt.time(0), tzinfo=dt.UTC)
        signals = signals_before(session, [prediction["player_id"]], cutoff)
    return numeric_evidence(
        prediction,
        recent_form(logs, spec),
        opponent_evidence(container, prediction.get("opponent"), before),
        signal_evidence(signals, before),
    )


def framed(evidence: Mapping[str, Any], verdict: Mapping[str, Any]) -> dict[str, Any]:
    """The published analysis: the prop, the verdict, the frontend's score and data, the numbers."""
    return {
        "player": evidence["player"],
        "stat": evidence["stat"],
        "line": evidence["line"],
        **verdict,
        "modelConfidenceScore": evidence["modelConfidenceScore"],
        "dataUsed": data_used(evidence),
        "numericEvidence": dict(evidence),
    }


def numbers_analysis(evidence: Mapping[str, Any], error: str | None = None) -> dict[str, Any]:
    """The deterministic analysis: the model's own side and a written reading of the numbers."""
    side, probability = favoured_side(evidence)
    recommendation = evidence["modelRecommendation"]
    answer = {
        "recommendation": recommendation if recommendation in {"OVER", "UNDER"} else None,
        "confidence": confidence_word(probability),
        "reasoning": written_analysis(evidence),
        "needsReview": False,
        "source": "deterministic",
        "modelSide": side,
    }
    if error:
        answer["llmError"] = error
    return answer


def llm_verdict(provider: LLMProvider, evidence: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The model's whole answer parsed and reviewed against the prediction."""
    verdict = parse_verdict(text)
    recommendation, needs_review = review(verdict, evidence)
    side, _ = favoured_side(evidence)
    return {
        "recommendation": recommendation,
        "confidence": verdict.confidence,
        "reasoning": verdict.reasoning,
        "needsReview": needs_review,
        "source": "llm",
        "llmRecommendation": verdict.recommendation,
        "modelSide": side,
        "provider": provider.name,
        "model": provider.model,
    }


def fallback(evidence: Mapping[str, Any], exc: Exception, seconds: float) -> dict[str, Any]:
    """The numbers' analysis, saying why the model's was not used."""
    message = getattr(exc, "message", None) or f"No answer within {seconds:g} s."
    log.warning("language model failed; writing from the numbers", error=message)
    return framed(evidence, numbers_analysis(evidence, message))


async def analyse(
    container: Container, request: PredictionRequest, provider: LLMProvider | None
) -> dict[str, Any]:
    """The analysis of one prop: the language model's when it answers, else the numbers'."""
    evidence = await asyncio.to_thread(gather_evidence, container, request)
    if provider is None:
        return framed(evidence, numbers_analysis(evidence))
    key = evidence_key(evidence, provider)
    cached = container.cache.get(key)
    if cached is not None:
        return dict(cached)
    settings = container.settings
    seconds = min(settings.llm_timeout_seconds, settings.request_timeout_seconds * LLM_BUDGET_SHARE)
    try:
        async with asyncio.timeout(seconds):
            text = await complete(provider, analysis_messages(evidence))
        answer = framed(evidence, llm_verdict(provider, evidence, text))
    except (LLMError, TimeoutError) as exc:
        return fallback(evidence, exc, seconds)
    container.cache.set(key, answer, settings.cache_ttl_analysis)
    return answer


async def analysis_events(
    container: Container, request: PredictionRequest, provider: LLMProvider | None
) -> AsyncIterator[dict[str, Any]]:
    """The analysis as it is written: `{"text": chunk}` per chunk of the model's answer, then
    one `{"analysis": ...}` (the same answer `analyse` gives, cached the same way).

    Streams are bounded by the provider's idle timeout (LLM_TIMEOUT_SECONDS between chunks),
    not by the request budget: the reader sees progress all along.
    """
    evidence = await asyncio.to_thread(gather_evidence, container, request)
    if provider is None:
        yield {"analysis": framed(evidence, numbers_analysis(evidence))}
        return
    key = evidence_key(evidence, provider)
    cached = container.cache.get(key)
    if cached is not None:
        yield {"analysis": dict(cached)}
        return
    parts: list[str] = []
    try:
        chunks = provider.chat(analysis_messages(evidence))
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                parts.append(chunk)
                yield {"text": chunk}
        answer = framed(evidence, llm_verdict(provider, evidence, "".join(parts)))
    except LLMError as exc:
        yield {"analysis": fallback(evidence, exc, container.settings.llm_timeout_seconds)}
        return
    container.cache.set(key, answer, container.settings.cache_ttl_analysis)
    yield {"analysis": answer}
