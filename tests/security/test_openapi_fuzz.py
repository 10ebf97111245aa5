"""Schemathesis fuzzes every operation of openapi.yaml against the app (in-process, through the test
client) as a signed-in patient and as a signed-in clinician: no answer is a 5xx, and every answer
(status, content type, body) matches the description. Runs on SQLite and on PostgreSQL like the rest.

Bounded and derandomized (EXAMPLES per operation and role), so CI is repeatable and quick; a failure
prints the exact request to replay.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(SPEC)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_description_covers_every_api_route(app):
    """Every /api/v1 route of the app is described, and nothing else is."""
    described = {(op.method.upper(), "/api/v1" + op.path) for op in OPERATIONS}
    routes = {(m, r.rule.replace("<int:entry_id>", "{id}").replace("<int:session_id>", "{id}")
               .replace("<int:patient_id>", "{id}"))
              for r in app.url_map.iter_rules() if r.rule.startswith("/api/")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    assert described == routes


def request_of(case) -> dict:
    kwargs = {"method": case.method, "query_string": case.query or None}
    if case.body is not None and type(case.body).__name__ != "NotSet":
        kwargs["json"] = case.body
    return kwargs


@pytest.mark.parametrize("actor", ["patient_a", "clinician_a"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_fuzz_operation(world, actor, operation):
    client = world.clients[actor]
    answered = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def fuzz(case):
        path = "/api/v1" + case.formatted_path
        response = client.open(path, headers={"X-CSRFToken": client.csrf}, **request_of(case))
        answered.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    fuzz()
    assert answered, "no request was sent"
