"""Metrics API (docs/metrics.md, "API shape"): commissioners (token or session) and
administrators.

Anyone not signed in gets 401; signed-in users of any other role get 404, as for every out-of-
scope page (docs/architecture.md). Numbers are suppressed for everyone but administrators."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialrx.db_routing import reads_from_replica
from socialrx.models import Role

from .metrics.definition import DEFAULT_WINDOW
from .metrics.dimensions import LEVELS
from .metrics.registry import (
    METRIC_NAMES,
    METRICS,
    metric_shown,
    metrics_enabled,
    metrics_sharing,
)
from .selectors import metric_periods_list, snapshot_rows_list
from .suppression import exact_for, rows_present_cached

# Example responses for the OpenAPI description, by operation id.
_EXAMPLES: dict[str, list[dict[str, Any]]] = json.loads(
    (Path(__file__).parent / "api_examples.json").read_text(encoding="utf-8")
)


# The metrics that take a window (months before and after referral).
_WINDOWED = " and ".join(m.name for m in METRICS.values() if m.uses_window)


def _examples(operation: str) -> list[OpenApiExample]:
    return [
        OpenApiExample(
            e["name"],
            value=e["value"],
            response_only=True,
            status_codes=None if e["status"] == "200" else [e["status"]],
        )
        for e in _EXAMPLES[operation]
    ]


class CommissionerOrAdmin(BasePermission):
    """Out of scope is not found: other roles are told nothing exists here."""

    refused_status = 404  # for the schema (socialrx.api.ApiAutoSchema)

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if getattr(user, "is_admin", False) or getattr(user, "role", None) == Role.COMMISSIONER:
            return True
        raise NotFound("Not found.")


class _MetricsApi(APIView):
    # Token first, so that a request without credentials is answered 401 with
    # "WWW-Authenticate: Token" rather than 403.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, CommissionerOrAdmin]


class MetricRowSerializer(serializers.Serializer):
    level = serializers.CharField()
    code = serializers.CharField(allow_null=True)
    dimension = serializers.CharField()
    group = serializers.CharField()
    values = serializers.DictField(child=serializers.FloatField(allow_null=True))
    suppressed = serializers.BooleanField()


class MetricPeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    window = serializers.IntegerField(allow_null=True)
    computed_at = serializers.DateTimeField()
    url = serializers.CharField()


class MetricDetailApi(_MetricsApi):
    class MetricDetailInputSerializer(serializers.Serializer):
        start = serializers.DateField(input_formats=["%Y-%m-%d"])
        end = serializers.DateField(input_formats=["%Y-%m-%d"])
        level = serializers.ChoiceField(choices=list(LEVELS), required=False)
        code = serializers.CharField(required=False, max_length=20)
        window = serializers.IntegerField(required=False, min_value=1, max_value=24)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if attrs["start"] > attrs["end"]:
                raise serializers.ValidationError({"end": "end must be on or after start."})
            if attrs.get("code") and attrs.get("level", "all") == "all":
                raise serializers.ValidationError(
                    {"code": "code needs level=pcn or level=practice."}
                )
            return attrs

    class MetricDetailOutputSerializer(serializers.Serializer):
        metric = serializers.CharField()
        start = serializers.DateField()
        end = serializers.DateField()
        computed_at = serializers.DateTimeField()
        rows = MetricRowSerializer(many=True)

    @extend_schema(
        operation_id="metric_retrieve",
        summary="One metric's stored figures for one period",
        description=(
            "The snapshot rows of exactly that period, every breakdown. For anyone but an "
            "administrator, counts from 1 to 7, and means, rates, shares and percentages "
            "resting on 1 to 7, are null and their row says suppressed, and so are the further "
            "figures that would let one be worked out by subtraction (from the other groups, "
            "the total, the other levels or a count another metric shares): the same cells "
            "whichever level or code is asked for. 404 when the period "
            f"has not been computed. `window` (months, default {DEFAULT_WINDOW}) applies to "
            f"{_WINDOWED} only."
        ),
        parameters=[
            OpenApiParameter(
                "metric",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(METRIC_NAMES),
                description="Metric name (docs/metrics.md).",
            ),
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("level", OpenApiTypes.STR, enum=list(LEVELS), required=False),
            OpenApiParameter(
                "code",
                {"type": "string", "maxLength": 20},
                required=False,
                description="PCN code (level=pcn) or practice ODS code (level=practice).",
            ),
            OpenApiParameter(
                "window",
                {"type": "integer", "minimum": 1, "maximum": 24},
                required=False,
                description=(
                    f"{_WINDOWED.capitalize()} only: months before and after referral "
                    f"(default {DEFAULT_WINDOW})."
                ),
            ),
        ],
        responses={200: MetricDetailOutputSerializer},
        examples=_examples("metric_retrieve"),
    )
    @method_decorator(reads_from_replica)
    def get(self, request: Request, metric: str) -> Response:
        info = metric_shown(metric=metric)
        if info is None:
            known = ", ".join(m.name for m in metrics_enabled())
            raise ValidationError({"metric": [f"Unknown metric {metric!r}; one of: {known}."]})
        params = self.MetricDetailInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        start, end = data["start"], data["end"]
        window = info.window_for(data.get("window"))
        level, code = data.get("level"), data.get("code")
        if level == "all":
            code = ""
        # Every row of the period, and of the metrics sharing a count with this one:
        # suppression is decided over all a user could ask for, then the level and code
        # asked for are returned.
        every = snapshot_rows_list(
            metric=metric,
            start=start,
            end=end,
            window=window,
            sharing=metrics_sharing(metric=metric),
        )

        def wanted(row: dict[str, Any]) -> bool:
            return (
                row["metric"] == metric
                and (level is None or row["level"] == level)
                and (code is None or row["code"] == code)
            )

        rows = [r for r in every if wanted(r)]
        if not rows:
            period = f"{start.isoformat()} to {end.isoformat()}"
            if info.uses_window:
                period += f" (window {window})"
            if not any(r["metric"] == metric for r in every):
                raise NotFound(f"{metric} has not been computed for {period}.")
            raise NotFound(
                f"{metric} has no {level} figures{' for ' + code if code else ''} for {period}."
            )
        shown = info.rows_ordered(
            r
            for r in rows_present_cached(metric=metric, rows=every, exact=exact_for(request.user))
            if wanted(r)
        )
        return Response(
            {
                "metric": metric,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "computed_at": serializers.DateTimeField().to_representation(
                    max(r["computed_at"] for r in rows)
                ),
                "rows": [
                    {
                        "level": r["level"],
                        "code": r["code"] or None,
                        "dimension": r["dimension"],
                        "group": r["group"],
                        "values": r["values"],
                        "suppressed": r["suppressed"],
                    }
                    for r in shown
                ],
            }
        )


class MetricListOutputSerializer(serializers.Serializer):
    metric = serializers.CharField()
    title = serializers.CharField()
    caveat = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField())
    dimensions = serializers.ListField(child=serializers.CharField())
    levels = serializers.ListField(child=serializers.CharField())
    periods = MetricPeriodSerializer(many=True)


class MetricListPageOutputSerializer(serializers.Serializer):
    metrics = MetricListOutputSerializer(many=True)


class MetricListApi(_MetricsApi):
    @extend_schema(
        operation_id="metric_list",
        summary="The metrics and the periods computed for each",
        responses={200: MetricListPageOutputSerializer},
        examples=_examples("metric_list"),
    )
    @method_decorator(reads_from_replica)
    def get(self, request: Request) -> Response:
        periods = metric_periods_list()
        dt_field = serializers.DateTimeField()
        out = []
        for info in metrics_enabled():
            mine = sorted(
                (p for p in periods if p.metric == info.name),
                key=lambda p: (p.end, p.start, p.window),
                reverse=True,
            )
            out.append(
                {
                    "metric": info.name,
                    "title": info.title,
                    "caveat": info.caveat,
                    "values": list(info.values),
                    "dimensions": ["total", *info.dimensions],
                    "levels": list(info.levels),
                    "periods": [
                        {
                            "start": p.start.isoformat(),
                            "end": p.end.isoformat(),
                            "window": p.window if info.uses_window else None,
                            "computed_at": dt_field.to_representation(p.computed_at),
                            "url": (
                                f"{reverse('metric-detail', args=[info.name])}"
                                f"?start={p.start.isoformat()}&end={p.end.isoformat()}"
                                + (f"&window={p.window}" if info.uses_window else "")
                            ),
                        }
                        for p in mine
                    ],
                }
            )
        return Response({"metrics": out})
