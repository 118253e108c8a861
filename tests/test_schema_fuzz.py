"""Schemathesis over ``/api/schema/``: generated requests to every operation answer no 5xx,
and every response matches the schema (api.md; issue: right or refused).

CI-sized: a few examples per operation, through the WSGI app in process. The full run
(thousands of cases against a running server) and its counts are in bench/RESULTS.md.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from insights_api.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.clickhouse]
EXAMPLES_PER_OPERATION = 3


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Raw WSGI calls end with Django closing its connections, which on PostgreSQL drops the
    test's transaction; Django's own test client disconnects these handlers the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_generated_requests_answer_no_5xx_and_match_the_schema(owner, team, clickhouse):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    headers = {"Authorization": f"Bearer {owner.key}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case) -> None:
            # Requests aimed at the test project reach the views; other ids check the 404 path.
            if case.path_parameters and "project_id" in case.path_parameters:
                case.path_parameters["project_id"] = str(team.id)
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as failure:  # noqa: BLE001 - every operation is tried; all failures reported
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert operations > 50
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        # Found by the full run: a malformed job id is a 400 in the envelope, not a job status.
        ("GET", "/api/projects/{project_id}/query/{id}/", None, 400),
        # ...and an async job's first answer has no timezone yet.
        (
            "POST",
            "/api/projects/{project_id}/query/",
            {
                "refresh": "force_async",
                "query": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "a"}]},
            },
            202,
        ),
    ],
)
def test_answers_the_full_run_found_match_the_schema(owner, team, clickhouse, method, path, body, status):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    parameters = {"project_id": str(team.id), "id": "bad\x00id"}
    operation = schema[path][method]
    path_parameters = {k: v for k, v in parameters.items() if "{" + k + "}" in path}
    case = operation.Case(path_parameters=path_parameters, **({"body": body} if body else {}))
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {owner.key}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
    assert response.status_code == status
