"""A language model reading injury notes and news as numbers, checked before it is believed.

The model answers `{"signals": [{"kind": ..., "value": ...}]}`; each reading is validated
against the range its kind allows, and anything else (no JSON, an unknown kind, a value out of
range) is an `LLMError`, so the caller falls back to the rules.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from statmusepicks.data.ingest.text_signals import Reading
from statmusepicks.services.llm.providers import ChatMessage, LLMError, LLMProvider, complete

SIGNALS_PROMPT = (
    "You read one NBA injury-report note or news item about a player. Answer with ONE JSON "
    'object and nothing else: {"signals": [{"kind": "availability" | "minutes_restriction" | '
    '"role_change", "value": <number>}]}. availability: 0 out (or resting), 0.25 doubtful, '
    "0.5 questionable, 0.75 probable, 1 available. minutes_restriction: the stated minutes cap, "
    "0 when a restriction is mentioned without a number. role_change: 1 moves into the starting "
    "lineup, -1 moves to the bench. Use only what the text says; an empty list when it says "
    "none of these."
)
JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
# The largest minutes cap that still restricts anyone (a regulation game is 48 minutes).
MAX_MINUTES = 48


class ModelSignal(BaseModel):
    kind: Literal["availability", "minutes_restriction", "role_change"]
    value: float

    @model_validator(mode="after")
    def _in_range(self) -> ModelSignal:
        allowed = {
            "availability": 0 <= self.value <= 1,
            "minutes_restriction": 0 <= self.value <= MAX_MINUTES,
            "role_change": self.value in (-1, 1),
        }
        if not allowed[self.kind]:
            raise ValueError(f"{self.kind} cannot be {self.value}")
        return self


class ModelSignals(BaseModel):
    signals: list[ModelSignal] = Field(default_factory=list)


def parse_signals(text: str) -> list[Reading]:
    """The readings in a model's answer (one per kind, the first given)."""
    found = JSON_OBJECT.search(text)
    if found is None:
        raise LLMError("The language model's answer holds no JSON object.")
    try:
        parsed = ModelSignals.model_validate(json.loads(found.group(0)))
    except (json.JSONDecodeError, PydanticValidationError) as exc:
        raise LLMError(f"The language model's signals are not valid: {exc}") from exc
    readings: dict[str, Reading] = {}
    for signal in parsed.signals:
        readings.setdefault(signal.kind, Reading(signal.kind, signal.value))
    return list(readings.values())


def signal_messages(text: str) -> list[ChatMessage]:
    return [
        {"role": "system", "content": SIGNALS_PROMPT},
        {"role": "user", "content": text},
    ]


async def model_readings(provider: LLMProvider, text: str, seconds: float) -> list[Reading]:
    """The model's reading of one text, within `seconds`."""
    async with asyncio.timeout(seconds):
        answer = await complete(provider, signal_messages(text))
    return parse_signals(answer)
