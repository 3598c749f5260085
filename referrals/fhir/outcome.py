"""Errors as FHIR ``OperationOutcome``: every refusal of the FHIR endpoints (400, 401, 403,
404, 405, 406, 415, 422) answers with one, each issue saying where (``expression``, and the
older ``location``) when it is about part of what was sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# HTTP status → the OperationOutcome issue type (http://hl7.org/fhir/issue-type) for errors
# that carry no issues of their own.
ISSUE_TYPES: dict[int, str] = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    415: "not-supported",
    422: "business-rule",
    429: "throttled",
}
ISSUE_SEVERITIES = frozenset({"fatal", "error", "warning", "information"})


@dataclass(frozen=True)
class Issue:
    diagnostics: str
    code: str = "invalid"
    expression: str = ""
    severity: str = "error"

    def as_json(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = [self.expression]
            issue["location"] = [self.expression]
        return issue


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.as_json() for i in issues]}


class FhirError(exceptions.APIException):
    """A refusal with its issues, answered as an OperationOutcome."""

    status_code: int = status.HTTP_400_BAD_REQUEST

    def __init__(self, issues: list[Issue], *, status_code: int = 400) -> None:
        super().__init__(detail="; ".join(i.diagnostics for i in issues))
        self.issues = issues
        self.status_code = status_code


def fhir_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, FhirError):
        return Response(operation_outcome(exc.issues), status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = ISSUE_TYPES.get(response.status_code, "exception")
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        issues = [Issue(str(data["detail"]), code=code)]
    elif isinstance(data, dict):
        issues = [
            Issue(
                " ".join(str(m) for m in (messages if isinstance(messages, list) else [messages])),
                code=code,
                expression=str(name),
            )
            for name, messages in data.items()
        ]
    else:
        issues = [Issue(str(data), code=code)]
    response.data = operation_outcome(issues)
    return response
