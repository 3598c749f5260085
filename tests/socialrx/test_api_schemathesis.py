"""The OpenAPI schema is the API's contract: every operation in it is called with requests
generated from the schema, valid and invalid, and every answer must be one the schema
describes: a documented status code, its content type, its headers and a body that validates.
A request the schema allows must be accepted, except by the operations named in
``RULES_BEYOND_THE_SCHEMA`` (rules a schema cannot state, such as a check digit).

The schema is read from ``/api/schema/`` and every request goes through the WSGI application
in this process, inside the test's database transaction: no server, no network. Each
operation gets schemathesis' coverage cases (boundaries, missing and wrong-typed values) and
``MAX_EXAMPLES`` generated requests, derandomised, so a run is repeatable. A new endpoint is
covered as soon as it is in the schema; ``CALLER`` names who calls an operation when an
administrator's token is not the right caller.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from socialrx.wsgi import application

MAX_EXAMPLES = 15

# Who calls each operation, by operation id (a fixture of tests/conftest.py); any other
# operation is called by an administrator. Public operations ignore the token.
CALLER: dict[str, str] = {
    "referral_create": "practice_staff",
    "referral_retrieve": "practice_staff",
    "metric_list": "commissioner",
    "metric_retrieve": "commissioner",
    "funding_summary_retrieve": "commissioner",
}
DEFAULT_CALLER = "admin_user"

# A request the schema allows is accepted (positive_data_acceptance), except where the service
# checks what a schema cannot say; each such operation is named here with the rule.
RULES_BEYOND_THE_SCHEMA: dict[str, str] = {
    "referral_create": "an NHS number's check digit; an ODS code a practice here has; "
    "practice staff refer for their own practice",
    "metric_retrieve": "end not before start; code only with level pcn or practice",
    "funding_summary_retrieve": "last not before first",
    "oruk_v3_services": "proximity only with a postcode the look-up knows",
    "oruk_v3_service_at_locations": "proximity only with a postcode the look-up knows",
}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


def _operation_id(case: Any) -> str:
    return case.operation.definition.raw.get("operationId", "")


@pytest.fixture
def tokens(request: pytest.FixtureRequest) -> dict[str, str]:
    names = {DEFAULT_CALLER, *CALLER.values()}
    return {name: Token.objects.create(user=request.getfixturevalue(name)).key for name in names}


@pytest.fixture
def in_process_requests():
    """Requests handled in this process share the test's connection and transaction: the
    handler must not close it after each request (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_the_schema_says(case, tokens, in_process_requests):
    operation = _operation_id(case)
    checks = CHECKS if operation in RULES_BEYOND_THE_SCHEMA else [*CHECKS, positive_data_acceptance]
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Token {tokens[CALLER.get(operation, DEFAULT_CALLER)]}"},
        checks=checks,
    )


def _sample_path(path: str, operation: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            enum = parameter.get("schema", {}).get("enum")
            path = path.replace("{" + parameter["name"] + "}", str(enum[0]) if enum else "1")
    return path


@pytest.mark.django_db
def test_without_credentials_the_answer_is_401_exactly_where_the_schema_says(anon_client):
    """Each operation that documents 401 answers it to a caller with no credentials, with
    ``WWW-Authenticate: Token`` and the error body; the others never ask for credentials."""
    raw = schema.raw_schema
    checked = 0
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            response = anon_client.generic(
                method.upper(), _sample_path(path, operation), content_type="application/json"
            )
            if "401" in operation["responses"]:
                assert response.status_code == 401, (method, path)
                assert response["WWW-Authenticate"] == "Token"
                assert response.json()["error"]["status"] == 401
                checked += 1
            else:
                assert response.status_code != 401, (method, path)
    assert checked >= 7


def test_the_schema_says_what_the_api_refuses_and_answers():
    raw = schema.raw_schema
    paths, components = raw["paths"], raw["components"]["schemas"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref") or (node.get("allOf") or [{}])[0].get("$ref")
        return components[ref.rsplit("/", 1)[1]] if ref else node

    create = paths["/api/v1/referrals/"]["post"]
    assert list(create["requestBody"]["content"]) == ["application/json"]
    body = resolve(create["requestBody"]["content"]["application/json"]["schema"])
    assert resolve(body["properties"]["consent_confirmed"])["enum"] == [True]
    person = resolve(body["properties"]["person"])
    assert person["properties"]["given_name"]["minLength"] == 1
    assert person["properties"]["given_name"]["pattern"] == r"\S"
    assert create["responses"]["201"]["headers"]["Location"]["required"] is True
    metrics = paths["/api/v1/metrics/"]["get"]["responses"]["200"]["content"]
    assert resolve(metrics["application/json"]["schema"])["type"] == "object"
    directory = {p["name"] for p in paths["/api/v1/directory/"]["get"]["parameters"]}
    assert {"page", "page_size"} <= directory
    for path, operations in paths.items():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": "#/components/schemas/ApiError"}, (path, status)


def test_the_schema_is_valid_openapi_and_builds_without_warnings(tmp_path):
    """An endpoint whose answer drf-spectacular cannot work out would be described as a free
    object with a warning: that fails here, so every new endpoint describes itself."""
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
