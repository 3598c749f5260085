"""The directory API: public read (paginated) and an Open Referral UK-style export.

Both are open without a token: the directory is public and holds no personal data (a group's
contact details are those its keepers chose to publish; keepers themselves are never listed).
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialrx.api import ApiErrorSerializer
from socialrx.validators import POSTCODE_PATTERN

from . import freshness, selectors
from .forms import DirectorySearchForm
from .models import Asset, Category

# Stable ids for the export: Open Referral UK asks for UUIDs, ours are integers.
ORUK_NAMESPACE = uuid.UUID("6f1c1f3e-8f5e-4f4e-9b9a-2d6a4c0a5e11")
ORUK_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _oruk_id(kind: str, pk: int) -> str:
    return str(uuid.uuid5(ORUK_NAMESPACE, f"{kind}:{pk}"))


def _search_from(request: Request) -> selectors.DirectorySearch:
    params = request.query_params
    form = DirectorySearchForm(
        {
            "q": params.get("q", ""),
            "category": params.get("category", ""),
            "postcode": params.get("postcode", ""),
            "within": params.get("within", ""),
            "day": params.get("day", ""),
            "free": params.get("free", ""),
            "citizen": params.get("citizen", ""),
            "needs": params.getlist("needs"),
        }
    )
    if not form.is_valid():
        raise ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    return form.to_search()


SEARCH_PARAMETERS = [
    OpenApiParameter("q", {"type": "string", "maxLength": 100}, description="Search words"),
    OpenApiParameter(
        "category", str, enum=[code for code, _ in Category.choices], description="A category"
    ),
    OpenApiParameter(
        "postcode",
        {"type": "string", "pattern": POSTCODE_PATTERN},
        description="Sort by distance from this postcode (a full UK postcode)",
    ),
    OpenApiParameter(
        "within", int, enum=[1, 2, 5, 10], description="With postcode: only within this many miles"
    ),
    OpenApiParameter(
        "day", int, enum=list(range(7)), description="Meets on this weekday (0 Monday … 6 Sunday)"
    ),
    OpenApiParameter("free", bool, description="Free only"),
    OpenApiParameter("citizen", bool, description="Citizen-led only"),
    OpenApiParameter(
        "needs",
        str,
        many=True,
        enum=list(selectors.ACCESS_NEEDS),
        description="Accessibility needs: every one given must be met",
    ),
]
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1 (404 past the last page)"),
    OpenApiParameter(
        "page_size",
        int,
        description="Listings a page, default 50; more than 200 gives 200",
    ),
]


class SessionOutput(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 Monday … 6 Sunday")
    day = serializers.CharField(source="get_weekday_display")
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField(allow_null=True)


class OrganisationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class DirectoryAssetOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    name = serializers.CharField()
    kind = serializers.CharField()
    category = serializers.CharField()
    led_by = serializers.CharField()
    citizen_led = serializers.BooleanField(source="is_citizen_led")
    organisation = OrganisationOutput(allow_null=True)
    description = serializers.CharField()
    venue_name = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    sessions = SessionOutput(many=True, source="sessions.all")
    schedule_text = serializers.CharField()
    is_free = serializers.BooleanField()
    cost = serializers.CharField()
    step_free = serializers.BooleanField(allow_null=True, help_text="Null when not known.")
    hearing_loop = serializers.BooleanField(allow_null=True, help_text="Null when not known.")
    accessible_toilet = serializers.BooleanField(allow_null=True, help_text="Null when not known.")
    little_talking = serializers.BooleanField()
    slowest_pace = serializers.BooleanField()
    languages = serializers.CharField()
    first_visit = serializers.CharField(help_text="What to expect on a first visit.")
    ask_for = serializers.CharField(help_text="Who to ask for on arrival (a name or role).")
    getting_there = serializers.CharField(help_text="Buses, parking, finding the door.")
    eligibility = serializers.CharField()
    capacity = serializers.CharField()
    member_count = serializers.IntegerField(allow_null=True)
    contact_name = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    website = serializers.CharField()
    started_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    last_confirmed_at = serializers.DateTimeField(allow_null=True)
    not_confirmed_recently = serializers.BooleanField(source="stale")
    distance_miles = serializers.SerializerMethodField()

    def get_url(self, asset: Asset) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("assets:detail", args=[asset.pk])

    def get_distance_miles(self, asset: Asset) -> float | None:
        miles = selectors.distance_miles(asset)
        return None if miles is None else round(miles, 2)


class DirectoryPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DirectoryAssetOutput(many=True)
    distance_message = serializers.CharField(
        required=False, help_text="Why results are not sorted by distance, when they are not."
    )


class DirectoryPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class DirectoryListApi(APIView):
    """The public directory: approved listings that have not ended, searchable like the page."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="directory_list",
        parameters=[*SEARCH_PARAMETERS, *PAGE_PARAMETERS],
        responses={
            200: DirectoryPageOutput,
            404: OpenApiResponse(ApiErrorSerializer, 'A page past the last ("Invalid page.").'),
        },
        tags=["directory"],
    )
    def get(self, request: Request) -> Response:
        results = selectors.directory_search(search=_search_from(request))
        # The API is public: listings unconfirmed for too long are not in it.
        results.assets = freshness.shown_to(results.assets, user=None)
        paginator = DirectoryPagination()
        pages = results.pages(
            per_page=paginator.get_page_size(request) or paginator.page_size,
            page=request.query_params.get(paginator.page_query_param),
        )
        page = paginator.paginate_queryset(pages, request, view=self)  # type: ignore[arg-type]
        data = DirectoryAssetOutput(page, many=True).data
        response = paginator.get_paginated_response(data)
        if results.distance_message:
            response.data["distance_message"] = results.distance_message
        return response


# --- Open Referral UK-style export ----------------------------------------------------------


class OrukPhone(serializers.Serializer):
    id = serializers.CharField()
    number = serializers.CharField()


class OrukContact(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    phones = OrukPhone(many=True)


class OrukCostOption(serializers.Serializer):
    id = serializers.CharField()
    amount = serializers.FloatField(allow_null=True)
    amount_description = serializers.CharField()


class OrukLanguage(serializers.Serializer):
    id = serializers.CharField()
    language = serializers.CharField()


class OrukSchedule(serializers.Serializer):
    id = serializers.CharField()
    freq = serializers.CharField()
    interval = serializers.IntegerField()
    byday = serializers.CharField()
    opens_at = serializers.CharField()
    closes_at = serializers.CharField(allow_null=True)
    description = serializers.CharField()


class OrukAddress(serializers.Serializer):
    id = serializers.CharField()
    address_1 = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()


class OrukAccessibility(serializers.Serializer):
    id = serializers.CharField()
    accessibility = serializers.CharField()


class OrukLocation(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    physical_addresses = OrukAddress(many=True)
    accessibility_for_disabilities = OrukAccessibility(many=True)
    transportation = serializers.CharField()


class OrukServiceAtLocation(serializers.Serializer):
    id = serializers.CharField()
    location = OrukLocation()


class OrukTaxonomy(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    vocabulary = serializers.CharField()


class OrukServiceTaxonomy(serializers.Serializer):
    id = serializers.CharField()
    taxonomy = OrukTaxonomy()


class OrukOrganization(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    url = serializers.CharField()
    email = serializers.CharField()


class OrukEligibility(serializers.Serializer):
    id = serializers.CharField()
    eligibility = serializers.CharField()


class OrukService(serializers.Serializer):
    id = serializers.CharField()
    organization = OrukOrganization()
    name = serializers.CharField()
    description = serializers.CharField()
    url = serializers.CharField()
    email = serializers.CharField()
    status = serializers.CharField()
    fees = serializers.CharField()
    assured_date = serializers.DateField(allow_null=True)
    attending_type = serializers.CharField()
    attending_access = serializers.CharField()
    application_process = serializers.CharField()
    contacts = OrukContact(many=True)
    cost_options = OrukCostOption(many=True)
    languages = OrukLanguage(many=True)
    regular_schedules = OrukSchedule(many=True)
    service_at_locations = OrukServiceAtLocation(many=True)
    service_taxonomys = OrukServiceTaxonomy(many=True)
    eligibilitys = OrukEligibility(many=True)


class OrukPage(serializers.Serializer):
    totalElements = serializers.IntegerField()
    totalPages = serializers.IntegerField()
    number = serializers.IntegerField()
    size = serializers.IntegerField()
    first = serializers.BooleanField()
    last = serializers.BooleanField()
    content = OrukService(many=True)


def oruk_service(asset: Asset) -> dict[str, Any]:
    """One listing as an Open Referral UK service (v1 field names)."""
    org = asset.organisation
    if org is not None:
        organization = {
            "id": _oruk_id("organisation", org.pk),
            "name": org.name,
            "description": org.description or org.get_kind_display(),
            "url": org.website,
            "email": org.email,
        }
    else:
        # ORUK requires an organisation for every service; a group with none provides itself.
        organization = {
            "id": _oruk_id("self-organised", asset.pk),
            "name": asset.name,
            "description": asset.get_led_by_display(),
            "url": asset.website,
            "email": asset.contact_email,
        }
    # The same id as the listing's Open Referral UK v3 service.
    sid = str(asset.oruk_id)
    access = [
        (flag, label)
        for flag, label in (
            ("step_free", "Step-free access"),
            ("hearing_loop", "Hearing loop"),
            ("accessible_toilet", "Accessible toilet"),
            ("little_talking", "Little talking needed"),
            ("slowest_pace", "Goes at the pace of the slowest"),
        )
        if getattr(asset, flag)
    ]
    languages = [lang.strip() for lang in asset.languages.split(",") if lang.strip()]
    contacts = []
    if asset.contact_name or asset.contact_email or asset.contact_phone:
        contacts.append(
            {
                "id": _oruk_id("contact", asset.pk),
                "name": asset.contact_name,
                "email": asset.contact_email,
                "phones": [{"id": _oruk_id("phone", asset.pk), "number": asset.contact_phone}]
                if asset.contact_phone
                else [],
            }
        )
    return {
        "id": sid,
        "organization": organization,
        "name": asset.name,
        "description": asset.description,
        "url": asset.website,
        "email": asset.contact_email,
        "status": "inactive" if asset.ended or asset.capacity == "paused" else "active",
        "fees": "" if asset.is_free else asset.cost,
        "assured_date": asset.last_confirmed_at.date() if asset.last_confirmed_at else None,
        "attending_type": "In person",
        "attending_access": "drop-in",
        "application_process": asset.first_visit,
        "contacts": contacts,
        "cost_options": [
            {
                "id": _oruk_id("cost", asset.pk),
                "amount": 0.0 if asset.is_free else None,
                "amount_description": "Free" if asset.is_free else asset.cost,
            }
        ],
        "languages": [
            {"id": _oruk_id(f"language:{i}", asset.pk), "language": lang}
            for i, lang in enumerate(languages)
        ],
        "regular_schedules": [
            {
                "id": _oruk_id("session", s.pk),
                "freq": "WEEKLY",
                "interval": 1,
                "byday": ORUK_DAYS[s.weekday],
                "opens_at": s.starts_at.strftime("%H:%M"),
                "closes_at": s.ends_at.strftime("%H:%M") if s.ends_at else None,
                "description": asset.schedule_text,
            }
            for s in asset.sessions.all()
        ],
        "service_at_locations": [
            {
                "id": _oruk_id("service-at-location", asset.pk),
                "location": {
                    "id": _oruk_id("location", asset.pk),
                    "name": asset.venue_name or asset.name,
                    "physical_addresses": [
                        {
                            "id": _oruk_id("address", asset.pk),
                            "address_1": asset.address or asset.venue_name,
                            "postal_code": asset.postcode,
                            "country": "GB",
                        }
                    ],
                    "accessibility_for_disabilities": [
                        {"id": _oruk_id(f"access:{flag}", asset.pk), "accessibility": label}
                        for flag, label in access
                    ],
                    "transportation": asset.getting_there,
                },
            }
        ]
        if asset.postcode or asset.venue_name
        else [],
        "service_taxonomys": [
            {
                "id": _oruk_id(f"taxonomy:{asset.category}", asset.pk),
                "taxonomy": {
                    "id": asset.category,
                    "name": asset.get_category_display(),
                    "vocabulary": "socialrx-directory-category",
                },
            }
        ],
        "eligibilitys": [
            {
                "id": _oruk_id("eligibility", asset.pk),
                "eligibility": asset.get_eligibility_display()
                + (f": {asset.eligible_practice.name}" if asset.eligible_practice else ""),
            }
        ],
    }


class DirectoryOpenReferralApi(APIView):
    """The directory as Open Referral UK v1-style services (paged like ORUK v1's
    ``/services``). Kept for existing consumers, unchanged; new ones use Open Referral UK v3 at
    ``/api/oruk/v3/`` (docs/api.md). Not a redirect: the v3 documents have another shape, so
    a redirect would break every reader of this one. Each response names its successor in a
    ``Link: <…/api/oruk/v3/services>; rel="successor-version"`` header."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="directory_openreferral_services",
        deprecated=True,
        description="Open Referral UK v1 field names. Superseded by Open Referral UK v3 at "
        "/api/oruk/v3/services (same listings, same service ids).",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1"),
            OpenApiParameter("per_page", OpenApiTypes.INT, description="Up to 200, default 50"),
            OpenApiParameter(
                "Link",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                required=True,
                description='The successor: `<…/api/oruk/v3/services>; rel="successor-version"`.',
            ),
        ],
        responses=OrukPage,
        tags=["directory"],
    )
    def get(self, request: Request) -> Response:
        try:
            page_number = max(1, int(request.query_params.get("page", 1)))
            per_page = min(200, max(1, int(request.query_params.get("per_page", 50))))
        except ValueError:
            raise ValidationError({"page": ["Page and per_page must be whole numbers."]}) from None
        assets = (
            freshness.shown_to(selectors.directory_base(), user=None)
            .select_related("eligible_practice")
            .order_by("pk")
        )
        paginator = Paginator(assets, per_page)
        try:
            page = paginator.page(page_number)
        except EmptyPage:
            page = None
        content = [oruk_service(a) for a in page.object_list] if page else []
        total_pages = max(1, math.ceil(paginator.count / per_page))
        response = Response(
            {
                "totalElements": paginator.count,
                "totalPages": total_pages,
                "number": page_number,
                "size": per_page,
                "first": page_number == 1,
                "last": page_number >= total_pages,
                "content": content,
            }
        )
        successor = request.build_absolute_uri(reverse("oruk_services"))
        response["Link"] = f'<{successor}>; rel="successor-version"'
        return response
