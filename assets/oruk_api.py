"""The Open Referral UK version 3 read API over the public directory, under ``/api/oruk/v3/``
(docs/api.md). Public (no token: the directory holds no personal data), paged as ORUK v3
pages, and cached: each response is kept in the cache for ``ORUK_CACHE_SECONDS`` under a
"directory generation" that any change to a listing, a session or an organisation moves on,
and is sent with ``Cache-Control: public, max-age=…``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as FieldError
from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialrx.validators import POSTCODE_PATTERN, validate_postcode

from . import freshness, oruk, selectors
from .models import Asset, Session

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
METRES_PER_MILE = 1609.344
GENERATION_KEY = "oruk:v3:generation"


def cache_seconds() -> int:
    return int(settings.ORUK_CACHE_SECONDS)


def bump_generation(**kwargs: Any) -> None:
    """Called on every save or delete of a listing, session or organisation (and by imports
    that write in bulk): cached responses are then never served again."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def _cached(request: Request, build: Callable[[], Any]) -> Response:
    generation = cache.get(GENERATION_KEY, 0)
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    key = f"oruk:v3:{generation}:{digest}"
    data = cache.get(key)
    if data is None:
        data = build()
        cache.set(key, data, cache_seconds())
    response = Response(data)
    patch_cache_control(response, public=True, max_age=cache_seconds())
    return response


def _public_assets() -> QuerySet[Asset]:
    return freshness.shown_to(selectors.directory_base(), user=None)


def _with_coordinates(qs: QuerySet[Asset]) -> QuerySet[Asset]:
    return qs.annotate(oruk_lat=F("location__latitude"), oruk_lng=F("location__longitude"))


def _whole_number(request: Request, name: str, default: int, *, least: int, most: int) -> int:
    raw = request.query_params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"Enter {name} as a whole number."]}) from None
    if not least <= value <= most:
        raise ValidationError({name: [f"Enter {name} from {least} to {most}."]})
    return value


def _page(
    request: Request,
    filtered: tuple[QuerySet[Asset], bool],
    item: Callable[[Asset], dict],
) -> dict:
    """One page as Open Referral UK v3 pages (``page`` from 1, ``per_page`` up to 200).
    ``filtered``: the listings, and whether they are ranked (by distance or by words): ranked
    results are paged in two steps, as the directory's search page does
    (``selectors.RankedPages``): the page's ids with the count from one scan, then those
    listings in full, instead of building every match's full row to sort it."""
    qs, ranked = filtered
    page_number = _whole_number(request, "page", 1, least=1, most=10**6)
    per_page = _whole_number(request, "per_page", DEFAULT_PER_PAGE, least=1, most=MAX_PER_PAGE)
    start = (page_number - 1) * per_page
    full = _with_coordinates(qs)
    if ranked:
        pages = selectors.RankedPages(full, per_page=per_page, page=page_number)
        total = pages.count()
        rows = pages[start : start + per_page] if start < total else []
    else:
        # Counted without the join to the postcode look-up: PostgreSQL then counts from
        # asset_public_count_idx alone.
        total = qs.count()
        rows = list(full[start : start + per_page]) if start < total else []
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(rows),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not rows,
        "contents": [item(asset) for asset in rows],
    }


def _plain_page(request: Request, items: list[dict]) -> dict:
    page_number = _whole_number(request, "page", 1, least=1, most=10**6)
    per_page = _whole_number(request, "per_page", DEFAULT_PER_PAGE, least=1, most=MAX_PER_PAGE)
    start = (page_number - 1) * per_page
    rows = items[start : start + per_page]
    total_pages = math.ceil(len(items) / per_page)
    return {
        "total_items": len(items),
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(rows),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not rows,
        "contents": rows,
    }


def _modified_after(raw: str) -> dt.datetime:
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            if day is not None:
                moment = dt.datetime.combine(day, dt.time.min)
    except ValueError:  # well formed, but no such date or time (2026-13-01)
        moment = None
    if moment is None:
        raise ValidationError(
            {
                "modified_after": [
                    "Enter modified_after as a date and time, for example 2026-01-31T09:00:00Z."
                ]
            }
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _filtered(request: Request, *, located_only: bool) -> tuple[QuerySet[Asset], bool]:
    """The public listings the ORUK filters select, in the order they answer in: nearest
    first with a postcode, best match first with words, else by name; and whether that order
    is a ranking (distance or words) rather than by name."""
    params = request.query_params
    words = params.get("search", "").strip()[:200]
    postcode = params.get("postcode", "").strip()
    within: float | None = None
    try:
        validate_postcode(postcode)
    except FieldError:
        raise ValidationError({"postcode": ["Enter a full UK postcode, like M1 1AE."]}) from None
    proximity = params.get("proximity", "").strip()
    if proximity:
        if not postcode:
            raise ValidationError({"proximity": ["Give a postcode to measure proximity from."]})
        try:
            metres = float(proximity)
        except ValueError:
            raise ValidationError(
                {"proximity": ["Enter proximity as a distance in metres, like 1600."]}
            ) from None
        if not 0 < metres <= 200_000:
            raise ValidationError({"proximity": ["Enter proximity from 1 to 200000 metres."]})
        within = metres / METRES_PER_MILE
    weekday = None
    day = params.get("day", "").strip().upper()
    if day:
        if day not in oruk.DAYS:
            raise ValidationError({"day": ["Enter day as MO, TU, WE, TH, FR, SA or SU."]})
        weekday = oruk.DAYS.index(day)
    results = selectors.directory_search(
        search=selectors.DirectorySearch(
            q=words, postcode=postcode, within_miles=within, weekday=weekday
        )
    )
    if postcode and not results.by_distance and within is not None:
        # An unknown postcode cannot answer "within": nothing is near it.
        raise ValidationError({"postcode": [results.distance_message]})
    qs = freshness.shown_to(results.assets, user=None)

    term_id = params.get("taxonomy_term_id", "").strip()
    if term_id:
        qs = _by_term(qs, term_id)
    taxonomy_id = params.get("taxonomy_id", "").strip()
    if taxonomy_id:
        taxonomy = next((t for t in oruk.TAXONOMIES.values() if t.id == taxonomy_id), None)
        if taxonomy is None:
            return qs.none(), False
        if taxonomy.key == "organisation_kind":
            qs = qs.filter(organisation__isnull=False)
        elif taxonomy.key in (oruk.ESD_SERVICES, oruk.ESD_NEEDS):
            codes = {
                code
                for code, terms in oruk.CATEGORY_PUBLISHED.items()
                if any(t.taxonomy == taxonomy.key for t in terms)
            }
            qs = qs.filter(category__in=codes)
    modified = params.get("modified_after", "").strip()
    if modified:
        qs = qs.filter(updated_at__gte=_modified_after(modified))
    start_time = params.get("start_time", "").strip()
    end_time = params.get("end_time", "").strip()
    if start_time or end_time:
        sessions = Session.objects.all()
        if weekday is not None:
            sessions = sessions.filter(weekday=weekday)
        if start_time:
            sessions = sessions.filter(starts_at__gte=_time("start_time", start_time))
        if end_time:
            sessions = sessions.filter(ends_at__lte=_time("end_time", end_time))
        qs = qs.filter(pk__in=sessions.values("asset_id"))
    if located_only:
        qs = qs.exclude(venue_name="", postcode="", address="")
    ranked = bool(words or results.by_distance)
    if not ranked:
        qs = qs.order_by("name", "pk")
    # Pages carry one-to-one fields only: no sessions to fetch.
    return qs.prefetch_related(None), ranked


def _time(name: str, raw: str) -> dt.time:
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: [f"Enter {name} as a time, like 10:30."]}) from None


def _by_term(qs: QuerySet[Asset], term_id: str) -> QuerySet[Asset]:
    term = oruk.TERMS_BY_ID.get(term_id)
    if term is None:
        return qs.none()
    categories = oruk.categories_for_term(term_id)
    if categories is not None:
        return qs.filter(category__in=categories)
    if term.taxonomy == "kind":
        return qs.filter(kind=term.code)
    if term.taxonomy == "led_by":
        return qs.filter(led_by=term.code)
    return qs.filter(organisation__kind=term.code)


def _absolute(request: Request, path: str) -> str:
    return request.build_absolute_uri(path)


class OrukView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []


TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
PAGE_PARAMETERS = [
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": 10**6},
        description="Page number, from 1 (a page after the last is empty)",
    ),
    OpenApiParameter(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        description=f"Items a page, 1 to {MAX_PER_PAGE}, default {DEFAULT_PER_PAGE}",
    ),
]


class OrukRootOutputSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="The HSDS version: 3.0")
    profile = serializers.URLField(help_text="The profile these documents follow")
    openapi_url = serializers.URLField(help_text="This OpenAPI description")


class OrukPageOutputSerializer(serializers.Serializer):
    """A page of ORUK v3 documents. Each item is the profile's document (`contents` items are
    validated against the profile's JSON Schemas by the project's tests; docs/api.md)."""

    total_items = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    page_number = serializers.IntegerField()
    size = serializers.IntegerField(help_text="Items on this page")
    first_page = serializers.BooleanField()
    last_page = serializers.BooleanField()
    empty = serializers.BooleanField()
    contents = serializers.ListField(child=serializers.DictField())


SERVICE_FILTERS = [
    OpenApiParameter("search", str, description="Words, as the directory's search"),
    OpenApiParameter("taxonomy_term_id", str, description="Only services with this term"),
    OpenApiParameter("taxonomy_id", str, description="Only services with a term of this taxonomy"),
    OpenApiParameter(
        "postcode",
        {"type": "string", "pattern": POSTCODE_PATTERN},
        description="Nearest first from this postcode (a full UK postcode)",
    ),
    OpenApiParameter(
        "proximity",
        {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 200_000},
        description="With postcode (a postcode the look-up knows): only within this many metres",
    ),
    OpenApiParameter(
        "day", str, enum=list(oruk.DAYS), description="Meets on this day: MO, TU … SU"
    ),
    OpenApiParameter(
        "start_time",
        {"type": "string", "pattern": TIME_PATTERN},
        description="A session starts at or after (HH:MM)",
    ),
    OpenApiParameter(
        "end_time",
        {"type": "string", "pattern": TIME_PATTERN},
        description="A session ends at or before (HH:MM)",
    ),
    OpenApiParameter(
        "modified_after",
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ]
        },
        description="Changed on or after this date or date-time (ISO 8601)",
    ),
]


class OrukRoot(OrukView):
    @extend_schema(operation_id="oruk_v3_root", responses=OrukRootOutputSerializer, tags=["oruk"])
    def get(self, request: Request) -> Response:
        return _cached(
            request,
            lambda: {
                "version": oruk.HSDS_VERSION,
                "profile": oruk.PROFILE_URL,
                "openapi_url": _absolute(request, reverse("schema")),
            },
        )


class OrukServices(OrukView):
    @extend_schema(
        operation_id="oruk_v3_services",
        parameters=[*SERVICE_FILTERS, *PAGE_PARAMETERS],
        responses=OrukPageOutputSerializer,
        tags=["oruk"],
    )
    def get(self, request: Request) -> Response:
        return _cached(
            request,
            lambda: _page(request, _filtered(request, located_only=False), oruk.service_list_json),
        )


class OrukService(OrukView):
    @extend_schema(operation_id="oruk_v3_service", responses=OpenApiTypes.OBJECT, tags=["oruk"])
    def get(self, request: Request, id: str) -> Response:
        def build() -> dict:
            asset = _with_coordinates(_public_assets()).filter(oruk_id=_uuid(id)).first()
            if asset is None:
                raise Http404
            return oruk.service_json(asset)

        return _cached(request, build)


class OrukServiceAtLocations(OrukView):
    @extend_schema(
        operation_id="oruk_v3_service_at_locations",
        parameters=[*SERVICE_FILTERS, *PAGE_PARAMETERS],
        responses=OrukPageOutputSerializer,
        tags=["oruk"],
    )
    def get(self, request: Request) -> Response:
        return _cached(
            request,
            lambda: _page(
                request,
                _filtered(request, located_only=True),
                oruk.service_at_location_list_json,
            ),
        )


class OrukServiceAtLocation(OrukView):
    @extend_schema(
        operation_id="oruk_v3_service_at_location",
        responses=OpenApiTypes.OBJECT,
        tags=["oruk"],
    )
    def get(self, request: Request, id: str) -> Response:
        def build() -> dict:
            asset = (
                _with_coordinates(_public_assets())
                .filter(oruk_sal_id=_uuid(id))
                .exclude(venue_name="", postcode="", address="")
                .first()
            )
            if asset is None:
                raise Http404
            return oruk.service_at_location_json(asset)

        return _cached(request, build)


class OrukTaxonomies(OrukView):
    @extend_schema(
        operation_id="oruk_v3_taxonomies",
        parameters=PAGE_PARAMETERS,
        responses=OrukPageOutputSerializer,
        tags=["oruk"],
    )
    def get(self, request: Request) -> Response:
        return _cached(
            request,
            lambda: _plain_page(request, [oruk.taxonomy_json(t) for t in oruk.TAXONOMIES.values()]),
        )


class OrukTaxonomy(OrukView):
    @extend_schema(operation_id="oruk_v3_taxonomy", responses=OpenApiTypes.OBJECT, tags=["oruk"])
    def get(self, request: Request, id: str) -> Response:
        taxonomy = next((t for t in oruk.TAXONOMIES.values() if t.id == id), None)
        if taxonomy is None:
            raise Http404
        data = oruk.taxonomy_json(taxonomy)
        data["taxonomy_terms"] = [
            oruk.term_json(t) for t in oruk.ALL_TERMS if t.taxonomy == taxonomy.key
        ]
        return _cached(request, lambda: data)


class OrukTaxonomyTerms(OrukView):
    @extend_schema(
        operation_id="oruk_v3_taxonomy_terms",
        parameters=[
            OpenApiParameter("taxonomy_id", str, description="Only terms of this taxonomy"),
            *PAGE_PARAMETERS,
        ],
        responses=OrukPageOutputSerializer,
        tags=["oruk"],
    )
    def get(self, request: Request) -> Response:
        taxonomy_id = request.query_params.get("taxonomy_id", "").strip()
        terms = [oruk.term_json(t) for t in oruk.ALL_TERMS]
        if taxonomy_id:
            terms = [t for t in terms if t["taxonomy_id"] == taxonomy_id]
        return _cached(request, lambda: _plain_page(request, terms))


class OrukTaxonomyTerm(OrukView):
    @extend_schema(
        operation_id="oruk_v3_taxonomy_term", responses=OpenApiTypes.OBJECT, tags=["oruk"]
    )
    def get(self, request: Request, id: str) -> Response:
        term = oruk.TERMS_BY_ID.get(id)
        if term is None:
            raise Http404
        return _cached(request, lambda: oruk.term_json(term))


def _uuid(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise Http404 from None
