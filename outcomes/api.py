"""Metrics API (METRICS.md "API shape"): commissioners (token or session) and administrators.

Anyone not signed in gets 401; signed-in users of any other role get 404, as for every out-of-
scope page (DESIGN.md). Numbers are suppressed for everyone but administrators."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialrx.models import Role

from .selectors import LEVEL_ORDER, metric_periods_list, period_computed, snapshot_rows_list
from .services.dashboard import (
    DEMAND_DEFAULT_WINDOW,
    GROUP_ORDER,
    METRICS,
    MetricInfo,
    metric_info_get,
    metrics_enabled,
    window_for,
)
from .suppression import exact_for, rows_present


class CommissionerOrAdmin(BasePermission):
    """Out of scope is not found: other roles are told nothing exists here."""

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


def _dimension_key(dimension: str, info: MetricInfo) -> int:
    order = ("total", *info.dimensions)
    return order.index(dimension) if dimension in order else len(order)


def _group_key(dimension: str, group: str) -> tuple[int, str]:
    order = GROUP_ORDER.get(dimension, ())
    return (order.index(group) if group in order else len(order), group)


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
        level = serializers.ChoiceField(choices=["all", "pcn", "practice"], required=False)
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
            "resting on 1 to 7, are null and their row says suppressed. 404 when the period "
            "has not been computed. `window` (months, default 6) applies to demand only."
        ),
        parameters=[
            OpenApiParameter(
                "metric",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(METRICS),
                description="Metric name (METRICS.md).",
            ),
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
            OpenApiParameter(
                "level", OpenApiTypes.STR, enum=["all", "pcn", "practice"], required=False
            ),
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                required=False,
                description="PCN code (level=pcn) or practice ODS code (level=practice).",
            ),
            OpenApiParameter(
                "window",
                OpenApiTypes.INT,
                required=False,
                description=f"Demand only: months before and after referral (default {DEMAND_DEFAULT_WINDOW}).",
            ),
        ],
        responses={200: MetricDetailOutputSerializer},
        examples=[
            OpenApiExample(
                "friends",
                response_only=True,
                value={
                    "metric": "friends",
                    "start": "2026-01-01",
                    "end": "2026-03-31",
                    "computed_at": "2026-04-01T02:00:00Z",
                    "rows": [
                        {
                            "level": "all",
                            "code": None,
                            "dimension": "total",
                            "group": "all",
                            "values": {
                                "n": 120,
                                "mean_baseline": 2.1,
                                "mean_followup": 3.4,
                                "mean_change": 1.3,
                                "pct_increased": 55.0,
                                "pct_no_change": 35.0,
                                "pct_decreased": 10.0,
                            },
                            "suppressed": False,
                        },
                        {
                            "level": "all",
                            "code": None,
                            "dimension": "sex",
                            "group": "other",
                            "values": {
                                "n": None,
                                "mean_baseline": None,
                                "mean_followup": None,
                                "mean_change": None,
                                "pct_increased": None,
                                "pct_no_change": None,
                                "pct_decreased": None,
                            },
                            "suppressed": True,
                        },
                    ],
                },
            ),
            OpenApiExample(
                "not computed",
                response_only=True,
                status_codes=["404"],
                value={
                    "error": {
                        "status": 404,
                        "message": "friends has not been computed for 2026-01-01 to 2026-03-31.",
                        "fields": {},
                    }
                },
            ),
        ],
    )
    def get(self, request: Request, metric: str) -> Response:
        info = metric_info_get(metric=metric)
        if info is None:
            known = ", ".join(m.name for m in metrics_enabled())
            raise ValidationError({"metric": [f"Unknown metric {metric!r}; one of: {known}."]})
        params = self.MetricDetailInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        start, end = data["start"], data["end"]
        window = window_for(metric=metric, window=data.get("window"))
        level, code = data.get("level"), data.get("code")
        if level == "all":
            code = ""
        rows = snapshot_rows_list(
            metric=metric, start=start, end=end, window=window, level=level, code=code
        )
        if not rows:
            period = f"{start.isoformat()} to {end.isoformat()}"
            if info.uses_window:
                period += f" (window {window})"
            if not period_computed(metric=metric, start=start, end=end, window=window):
                raise NotFound(f"{metric} has not been computed for {period}.")
            raise NotFound(
                f"{metric} has no {level} figures{' for ' + code if code else ''} for {period}."
            )
        shown = rows_present(metric=metric, rows=rows, exact=exact_for(request.user))
        shown.sort(
            key=lambda r: (
                LEVEL_ORDER.get(r["level"], 9),
                r["code"],
                _dimension_key(r["dimension"], info),
                _group_key(r["dimension"], r["group"]),
            )
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


class MetricListApi(_MetricsApi):
    class MetricListOutputSerializer(serializers.Serializer):
        metric = serializers.CharField()
        title = serializers.CharField()
        caveat = serializers.CharField()
        values = serializers.ListField(child=serializers.CharField())
        dimensions = serializers.ListField(child=serializers.CharField())
        levels = serializers.ListField(child=serializers.CharField())
        periods = MetricPeriodSerializer(many=True)

    @extend_schema(
        operation_id="metric_list",
        summary="The metrics and the periods computed for each",
        responses={200: MetricListOutputSerializer(many=True)},
        examples=[
            OpenApiExample(
                "metrics",
                response_only=True,
                value={
                    "metrics": [
                        {
                            "metric": "friends",
                            "title": "Increase in numbers of friends",
                            "caveat": "Self-reported; not a count of contacts in any app.",
                            "values": ["n", "mean_baseline", "mean_followup", "mean_change"],
                            "dimensions": ["total", "imd_quintile", "age_band", "sex"],
                            "levels": ["all", "pcn", "practice"],
                            "periods": [
                                {
                                    "start": "2026-01-01",
                                    "end": "2026-03-31",
                                    "window": None,
                                    "computed_at": "2026-04-01T02:00:00Z",
                                    "url": "/api/v1/metrics/friends/?start=2026-01-01&end=2026-03-31",
                                }
                            ],
                        }
                    ]
                },
            )
        ],
    )
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
