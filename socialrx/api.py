"""Shared API pieces: one JSON error shape for every endpoint."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# The error shape, for the OpenAPI description of every endpoint's error answers.
ErrorResponse = inline_serializer(
    name="ApiError",
    fields={
        "error": inline_serializer(
            name="ApiErrorBody",
            fields={
                "status": serializers.IntegerField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(),
            },
        )
    },
)


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
    response.data = {
        "error": {"status": response.status_code, "message": message, "fields": fields}
    }
    return response
