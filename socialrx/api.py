"""Shared API pieces: one JSON error shape for every endpoint, and the OpenAPI description of
it (docs/api.md, "Errors and status codes")."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def error_body(status: int, message: str, fields: dict[str, Any] | None = None) -> dict:
    return {"error": {"status": status, "message": message, "fields": fields or {}}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """``{"error": {"status": 400, "message": "...", "fields": {...}}}`` for every error."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    fields: dict[str, Any] = {}
    if isinstance(data, dict) and "detail" in data and len(data) == 1:
        message = str(data["detail"])
    elif isinstance(data, dict):
        fields = data
        message = "Some of the data sent was not valid."
    elif isinstance(data, list):
        message = " ".join(str(x) for x in data)
    else:
        message = str(data)
    response.data = error_body(response.status_code, message, fields)
    return response


class ApiErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code, again.")
    message = serializers.CharField(help_text="What went wrong, in words.")
    # The body's key "fields" (DRF takes declared fields off the class: no clash at run time).
    fields = serializers.DictField(  # type: ignore[assignment]
        help_text="400 only: each field in error and its messages (a list of messages, or for "
        "a nested object the same shape again); empty for every other error."
    )


class ApiErrorSerializer(serializers.Serializer):
    """Every error answered under ``/api/``."""

    error = ApiErrorBodySerializer()


@extend_schema_field({"type": "boolean", "enum": [True]})
class MustBeTrueField(serializers.BooleanField):
    """A boolean that must be ``true`` (a confirmation): ``false`` is refused with 400, and the
    schema says so (``enum: [true]``)."""

    default_error_messages = {"must_be_true": "This must be true."}

    def to_internal_value(self, data: Any) -> bool:
        value = super().to_internal_value(data)
        if value is not True:
            self.fail("must_be_true")
        return value


# What each error status means in the schema's words.
ERROR_DESCRIPTIONS = {
    400: "The request was not valid: `error.fields` names each problem and nothing changed.",
    401: "No credentials, or credentials that are not valid. Send `Authorization: Token …`.",
    403: "Signed in, but not allowed to do this.",
    404: "Nothing here, or nothing the caller may see.",
    415: "The body was not JSON (`Content-Type: application/json`).",
    429: "An API client over its rate: wait the seconds `Retry-After` gives.",
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema with the errors every operation can answer, found from the
    view, so no endpoint has to list them (an operation's own ``responses`` take precedence):

    - **400** when the operation takes query or header parameters or a body;
    - **401** when it needs a signed-in caller and the first authentication class challenges
      (token authentication: ``WWW-Authenticate: Token``), else 403;
    - **403** (or 404) for each further permission class: a class that answers "not found"
      to those it refuses says so with ``refused_status = 404``;
    - **404** when the path takes parameters;
    - **415** when the operation takes a body (JSON only).
    """

    def _error_statuses(self, operation: dict[str, Any]) -> set[int]:
        statuses: set[int] = set()
        parameters = operation.get("parameters", [])
        if operation.get("requestBody") or any(p["in"] in ("query", "header") for p in parameters):
            statuses.add(400)
        if operation.get("requestBody"):
            statuses.add(415)
        if any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        view: Any = self.view
        permissions = view.get_permissions()
        if any(isinstance(p, IsAuthenticated) for p in permissions):
            authenticators = view.get_authenticators()
            if authenticators and authenticators[0].authenticate_header(view.request):
                statuses.add(401)
            elif authenticators:
                statuses.add(403)
        for permission in permissions:
            if not isinstance(permission, (IsAuthenticated, AllowAny)):
                statuses.add(getattr(permission, "refused_status", 403))
        if view.get_throttles():
            statuses.add(429)
        return statuses

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self._error_statuses(operation):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    OpenApiResponse(ApiErrorSerializer, ERROR_DESCRIPTIONS[status]), str(status)
                )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _get_response_headers_for_code(self, status_code: str, direction: str = "response") -> Any:
        headers = super()._get_response_headers_for_code(status_code, direction)
        if status_code == "401":
            headers["WWW-Authenticate"] = {
                "schema": {"type": "string"},
                "required": True,
                "description": "The scheme to use: `Token`.",
            }
        return headers
