"""Schemathesis over the whole served OpenAPI document: no 5xx, every response as documented.

One test walks every operation (one database set-up instead of one per operation, which keeps
the run short). Half the generated cases get real ids of the caller's clinic in their path, so
200 responses of real objects are checked against the schema too, not only 404s."""

from __future__ import annotations

import copy
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import token_for
from tests.api.worlds import TREATED_AT, journey_objects
from tests.conftest import ClinicWorld

APP = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP)
CHECKS = [not_a_server_error, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    # Like Django's test client: a WSGI request must not close the test's (transactional) connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(clinic_a: ClinicWorld, clinic_b: ClinicWorld, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Every kind of object in clinic A; clinic B's client exists so its ids answer 404."""
    from needlepoint import clock

    monkeypatch.setattr(clock, "now", lambda: TREATED_AT)
    return journey_objects(clinic_a) | {"_token": token_for(clinic_a, "owner")}


def _run(operation: Any, mode: GenerationMode, seeded: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {seeded['_token']}"}

    @given(case=operation.as_strategy(generation_mode=mode), real_ids=st.booleans())
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any, real_ids: bool) -> None:
        if real_ids and case.path_parameters:
            case.path_parameters = {k: seeded.get(k, v) for k, v in case.path_parameters.items()}
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_whole_api_conforms_to_its_schema(seeded: dict[str, Any]) -> None:
    failures: list[str] = []
    results = list(schema.get_all_operations())
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) == len(results) >= 50  # every operation loaded
    for operation in operations:
        for mode in EXAMPLES:
            try:
                _run(operation, mode, seeded)
            except BaseException as exc:  # collect every operation's failure, then report them all
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]:\n{exc}")
    assert not failures, "\n\n".join(failures)


def test_the_run_would_catch_a_response_that_breaks_the_schema(seeded: dict[str, Any]) -> None:
    """The checks above can fail: against a schema that says `role` is an integer, the real
    /api/me response (a string) is refused; the true schema passes the same call."""
    from needlepoint.api.api import api

    headers = {"Authorization": f"Bearer {seeded['_token']}"}
    document = copy.deepcopy(api.get_openapi_schema())
    document["components"]["schemas"]["MeOut"]["properties"]["role"] = {"type": "integer"}
    broken = schemathesis.openapi.from_dict(document)
    broken.app = APP
    with pytest.raises(BaseExceptionGroup) as failure:
        broken["/api/me"]["GET"].Case().call_and_validate(headers=headers, checks=CHECKS)
    report = "".join(traceback.format_exception(failure.value))
    assert "Response violates schema" in report and '"owner" is not of type "integer"' in report
    schema["/api/me"]["GET"].Case().call_and_validate(headers=headers, checks=CHECKS)
