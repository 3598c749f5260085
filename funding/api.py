"""Funding API (docs/funding.md, "API"): read-only, token or session.

- ``GET /api/v1/funding/awards/``: awards the caller may see (commissioners and
  administrators: all; a group's keeper: those to their groups).
- ``GET /api/v1/funding/capacity/?month=YYYY-MM``: the month's capacity rows (commissioners,
  small numbers withheld; administrators exact; a keeper: their own groups, exact).
- ``GET /api/v1/funding/summary/?first=YYYY-MM&last=YYYY-MM``: the commissioner's view.

Not signed in: 401. Any other role: 404, as for every out-of-scope page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialrx.disclosure import Table, protect
from socialrx.models import Role

from .access import awards_visible_to, is_admin, is_commissioning, kept_listings
from .figures import Period, commissioning_figures
from .models import CapacitySnapshot, Route
from .periods import parse_month
from .services import FIGURES

COUNTS = ("places_offered", *FIGURES)
# A month as the schema gives it: YYYY-MM, from 1900.
MONTH = {"type": "string", "pattern": r"^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$"}


class _Roles(BasePermission):
    roles: tuple[str, ...] = ()
    refused_status = 404  # for the schema (socialrx.api.ApiAutoSchema)

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if is_admin(user) or getattr(user, "role", None) in self.roles:
            return True
        raise NotFound("Not found.")


class CommissioningOnly(_Roles):
    roles = (Role.COMMISSIONER,)


class CommissioningOrKeeper(_Roles):
    roles = (Role.COMMISSIONER, Role.VOLUNTEER)


class _FundingApi(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, CommissioningOrKeeper]


def _month(value: str | None, name: str) -> Any:
    if not value:
        raise ValidationError({name: f"{name} is required, as YYYY-MM."})
    try:
        return parse_month(value)
    except ValueError:
        raise ValidationError({name: f"{name} must be a month as YYYY-MM, like 2026-04."}) from None


class AwardListApi(_FundingApi):
    class FundingAwardOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        award_ref = serializers.CharField(allow_null=True)
        funder = serializers.CharField(source="funder.name")
        funder_type = serializers.CharField()
        recipient = serializers.CharField(source="recipient.name")
        amount = serializers.DecimalField(max_digits=12, decimal_places=2)
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()
        route = serializers.ChoiceField(choices=Route.choices)
        competitive = serializers.BooleanField()
        purpose = serializers.CharField()
        listings = serializers.SerializerMethodField()

        def get_listings(self, obj: Any) -> list[int]:
            return [a.pk for a in obj.listings.all()]

    @extend_schema(
        operation_id="funding_awards_list",
        summary="Funding awards the caller may see",
        responses=FundingAwardOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        awards = (
            awards_visible_to(user=request.user)
            .select_related("funder", "recipient")
            .prefetch_related("listings")
            .order_by("-starts_on", "-id")
        )
        return Response(self.FundingAwardOutputSerializer(awards, many=True).data)


class CapacityListApi(_FundingApi):
    class FundingCapacityRowOutputSerializer(serializers.Serializer):
        listing = serializers.IntegerField()
        name = serializers.CharField()
        month = serializers.CharField()
        values = serializers.DictField(child=serializers.IntegerField(allow_null=True))
        suppressed = serializers.BooleanField()

    @extend_schema(
        operation_id="funding_capacity_list",
        summary="Each listing's places and referrals for one month",
        parameters=[
            OpenApiParameter("month", MONTH, required=True, description="The month, YYYY-MM")
        ],
        responses=FundingCapacityRowOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        month = _month(request.query_params.get("month"), "month")
        user = request.user
        rows = CapacitySnapshot.objects.filter(month=month).select_related("asset")
        if not is_commissioning(user):
            rows = rows.filter(asset__in=kept_listings(user=user))
        exact = is_admin(user) or not is_commissioning(user)
        out = []
        for row in rows.order_by("asset__name", "asset_id"):
            values = {name: getattr(row, name) for name in COUNTS}
            withheld = set() if exact else _row_withheld(values)
            out.append(
                {
                    "listing": row.asset_id,
                    "name": row.asset.name,
                    "month": f"{month:%Y-%m}",
                    "values": {k: (None if k in withheld else v) for k, v in values.items()},
                    "suppressed": bool(withheld),
                }
            )
        return Response(self.FundingCapacityRowOutputSerializer(out, many=True).data)


def _row_withheld(values: dict[str, Any]) -> set[str]:
    """One listing's month, with what adds up: received = accepted + declined + waiting + the
    rest, and received = funded + unfunded (+ not known)."""
    table = Table.empty()
    for name in FIGURES:
        table.values[name] = int(values[name])
    table.add_sum(
        "received",
        ["accepted", "declined_full", "declined_not_suitable", "declined_too_complex", "waiting"],
        residual="other",
    )
    table.add_sum("received", ["funded", "unfunded"], residual="unknown")
    return {k for k in protect(table) if isinstance(k, str) and k in FIGURES}


class SummaryApi(_FundingApi):
    permission_classes = [IsAuthenticated, CommissioningOnly]

    class FundingSummaryOutputSerializer(serializers.Serializer):
        first = serializers.CharField()
        last = serializers.CharField()
        organisations = serializers.ListField(child=serializers.DictField())
        unfunded = serializers.ListField(child=serializers.DictField())
        routes = serializers.ListField(child=serializers.DictField())
        started = serializers.DictField()
        staffing = serializers.DictField()

    @extend_schema(
        operation_id="funding_summary_retrieve",
        summary="The commissioner's view: referrals against funding, unfunded load, awards by "
        "route, groups started by referred people, staffing",
        parameters=[
            OpenApiParameter("first", MONTH, required=True, description="First month, YYYY-MM"),
            OpenApiParameter(
                "last", MONTH, required=True, description="Last month, YYYY-MM, not before first"
            ),
        ],
        responses=FundingSummaryOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        first = _month(request.query_params.get("first"), "first")
        last = _month(request.query_params.get("last"), "last")
        if last < first:
            raise ValidationError({"last": "last must be the same as or after first."})
        figures = commissioning_figures(
            period=Period.of_months(first, last), exact=is_admin(request.user)
        )

        def shown(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
            w = row.get("withheld", set())
            out = {n: (None if n in w else _plain(row[n])) for n in names}
            out["suppressed"] = bool(w)
            return out

        staffing = figures.staffing
        data = {
            "first": f"{first:%Y-%m}",
            "last": f"{last:%Y-%m}",
            "organisations": [
                {
                    "organisation": o["name"],
                    **shown(o, ("connections", "funded", "unfunded", "funding", "per_connection")),
                }
                for o in figures.organisations
            ],
            "unfunded": [
                {
                    "listing": r["asset_id"],
                    "name": r["name"],
                    "unfunded": None if r["withheld"] else r["unfunded"],
                    "suppressed": r["withheld"],
                }
                for r in figures.unfunded
            ],
            "routes": [
                {k: _plain(v) for k, v in r.items() if k != "label"} for r in figures.routes
            ],
            "started": shown(figures.started, ("groups", "funded", "amount")),
            "staffing": {
                "posts": len(staffing["posts"]),
                "fte": _plain(staffing["fte"]),
                "population": staffing["population"],
                "per_10000": _plain(staffing["per_10000"]),
                "referrals": None if staffing["withheld"] else staffing["referrals"],
                "referrals_per_fte_per_year": None
                if staffing["withheld"]
                else _plain(staffing["referrals_per_fte"]),
                "benchmark_per_10000": _plain(staffing["benchmark_per_10000"]),
                "benchmark_referrals_per_fte_per_year": staffing["benchmark_referrals_per_fte"],
                "suppressed": bool(staffing["withheld"]),
            },
        }
        return Response(self.FundingSummaryOutputSerializer(data).data)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(round(value, 2))
    return value
