"""The OpenAPI document run against the app by schemathesis, signed in with a plan in place.

Whatever a client sends, valid by the document or deliberately not, the API answers without a
server error, and a request it refuses leaves nothing half-stored.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from app.web.api.openapi import PATHS
from tests.web.test_api import count_rows, local, start_plan

EXAMPLES_PER_OPERATION = 25


def cases(path: str, operation: dict) -> list[GenerationMode]:
    """Valid cases for every operation; invalid ones where there is something to get wrong besides the person."""
    inputs = [p for p in operation.get("parameters", []) if p["name"] != "person_id"] + [operation.get("requestBody")]
    return [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if any(inputs) else [])


OPERATIONS = [
    pytest.param(path, method.upper(), mode, id=f"{method.upper()} {path} {mode.value}")
    for path, item in PATHS.items()
    for method, operation in item.items()
    for mode in cases(path, operation)
]


@pytest.fixture
def person_id(app, make_account, sign_in, monkeypatch):
    """A signed-in account with a plan, at 09:00 London on the plan's first day."""
    monkeypatch.setattr("app.web.api.routes.utcnow", lambda: local(9))
    account = make_account()
    start_plan(app, account.people[0].id)
    sign_in(account)
    return account.people[0].id


@pytest.mark.parametrize(("path", "method", "mode"), OPERATIONS)
def test_no_request_is_a_server_error_or_leaves_half_a_record(app, client, person_id, path, method, mode):
    token = client.get("/api/v1/csrf-token").get_json()["csrf_token"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The real session cookie and CSRF token go with every call, not generated stand-ins.
    schema.config.generation.update(with_security_parameters=False)
    operation = schema[path][method]
    # Other people's ids are a 404 (tests/web/test_api.py); here every case aims at the signed-in person.
    fixed = {"person_id": person_id} if "{person_id}" in path else None

    @given(case=operation.as_strategy(mode, path_parameters=fixed))
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])  # fmt: skip
    def call(case):
        before = count_rows(app)
        response = case.call(session=client, headers={"X-CSRFToken": token})
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            assert count_rows(app) == before, f"{case.method} {case.formatted_path}: {response.status_code}"

    call()
