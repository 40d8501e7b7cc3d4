"""Schemathesis over the whole published OpenAPI document: no input may produce a 5xx.

Every operation gets valid and deliberately invalid inputs (schemathesis' positive and negative
modes), sent with a valid key. The default run tries a few examples per operation so it stays
fast; `make fuzz` runs the `fuzz`-marked twin with many more (FUZZ_EXAMPLES) to search harder.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from statmusepicks.api.app import create_app
from statmusepicks.services.container import Container

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class FuzzReport:
    """What a run sent and got: statuses seen, and each operation's first server error."""

    operations: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: dict[str, str] = field(default_factory=dict)


def _fuzz(container: Container, api_key: str, examples: int) -> FuzzReport:
    """Fuzz each operation in turn, so one failing operation cannot hide another's failure.

    The key's allowance is lifted: a 429 after the first hundred calls would hide every answer.
    """
    container.settings = container.settings.model_copy(update={"rate_limit_per_minute": 10**6})
    app = create_app(container.settings, container=container)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI document lists no operations"
    report = FuzzReport(operations=len(operations))
    for operation in operations:
        cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in MODES))

        @given(case=cases)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers={"X-API-Key": api_key})
            report.statuses[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error])

        try:
            call()
        except Exception as error:
            report.errors[operation.label] = str(error)[:2000]
    return report


def test_no_input_is_a_server_error(api_container: Container, api_key: str) -> None:
    report = _fuzz(api_container, api_key, examples=4)
    assert report.errors == {}
    assert report.statuses[200] > 0, "the key was refused or no valid input was ever sent"


@pytest.mark.fuzz
def test_no_input_is_a_server_error_long_run(api_container: Container, api_key: str) -> None:
    examples = int(os.environ.get("FUZZ_EXAMPLES", "200"))
    report = _fuzz(api_container, api_key, examples=examples)
    print(f"\nschemathesis: {report.operations} operations, statuses {dict(report.statuses)}")
    assert report.errors == {}
