"""Reads for the directory: search, listings a volunteer keeps, gaps, moderation queues."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, overload

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from socialrx.models import Postcode
from socialrx.validators import normalise_postcode

from .models import (
    Asset,
    AssetChange,
    Category,
    Gap,
    GapStatus,
    LedBy,
    ListingReport,
    ListingStatus,
    Session,
)
from .search_synonyms import crude_stem, search_words, synonyms_for

ACCESS_NEEDS = {
    "step_free": "Step-free access",
    "hearing_loop": "Hearing loop",
    "little_talking": "Little talking needed",
    "slowest_pace": "Goes at the pace of the slowest",
}
KM_PER_MILE = 1.609344
# Shorter words are not matched by spelling: "tea" is too close to "team" and "steam".
MIN_TYPO_LENGTH = 4


@dataclass(frozen=True)
class DirectorySearch:
    """What someone searched for (all optional)."""

    q: str = ""
    category: str = ""
    postcode: str = ""
    within_miles: float | None = None
    weekday: int | None = None
    free_only: bool = False
    needs: tuple[str, ...] = ()
    citizen_led_only: bool = False


@dataclass
class DirectoryResults:
    assets: QuerySet[Asset]
    # A plain message when the distance part could not be done (unknown postcode, no data).
    distance_message: str = ""
    by_distance: bool = False
    notes: list[str] = field(default_factory=list)
    # Ordered by something computed for every match (rank, distance), not by the name index.
    ranked: bool = False

    def pages(self, *, per_page: int, page: Any = 1) -> QuerySet[Asset] | RankedPages:
        """What to give a paginator: ranked results page in two steps (see RankedPages);
        results in name order page through the name index as they are."""
        if self.ranked:
            return RankedPages(self.assets, per_page=per_page, page=page)
        return self.assets


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _has_web_search_syntax(words: str) -> bool:
    """A phrase in quotes, an -exclusion or "or": the searcher meant websearch syntax."""
    return bool(re.search(r'["-]|\bor\b', words, re.IGNORECASE))


def _word_group(word: str) -> str:
    """One searched word as a tsquery group: the word as a prefix (so "walk" also finds
    "walkers", which the English stemmer keeps apart) or any of its synonyms."""
    alternatives = [f"{word}:*"]
    for synonym in synonyms_for(word):
        parts = search_words(synonym)
        # "gardening" looks up the "garden" entry, which lists "gardening" itself: a repeat
        # adds nothing but makes PostgreSQL expect more rows and skip the index.
        if parts and parts != [word]:
            alternatives.append("(" + " & ".join(f"{part}:*" for part in parts) + ")")
    return "(" + " | ".join(alternatives) + ")"


def _postgres_words(qs: QuerySet[Asset], words: str) -> tuple[QuerySet[Asset], list[Any]]:
    """English full-text search, stemmed and with synonyms; when the words as spelt find
    nothing at all, each word may instead be close in spelling to a word of the name (pg_trgm
    word similarity, through the trigram index on name). Ranked: the exact name first, then
    full-text rank (name words weigh most), then how close the name is in spelling."""
    tokens = search_words(words)
    if not tokens:
        return qs.none(), []
    if _has_web_search_syntax(words):
        # A phrase or an exclusion is precise on purpose: no synonyms, no near spellings.
        query = SearchQuery(words, search_type="websearch", config="english")
        qs = qs.filter(search_vector=query).annotate(
            exact_name=_exact_name(words), rank=SearchRank(F("search_vector"), query)
        )
        return qs, [F("exact_name").desc(), F("rank").desc()]

    # Word characters only reach the raw queries, so no tsquery syntax can be injected.
    def raw(text: str) -> SearchQuery:
        return SearchQuery(text, search_type="raw", config="english")

    query = raw(" & ".join(_word_group(token) for token in tokens))
    rank: Any = SearchRank(F("search_vector"), query)
    # Near spellings are looked for only when the words as spelt match no listing at all: a
    # real word is never drowned by names that merely look like it, and the search itself
    # stays one indexed full-text match. Deciding here costs one EXISTS (it stops at the first
    # match); deciding inside the search's own WHERE made PostgreSQL scan every row.
    if Asset.objects.filter(listing_status=ListingStatus.APPROVED, search_vector=query).exists():
        qs = qs.filter(search_vector=query)
    else:
        for token in tokens:
            word = Q(search_vector=raw(_word_group(token)))
            if len(token) >= MIN_TYPO_LENGTH:
                word |= Q(TrigramWordSimilar(F("name"), Value(token)))
            qs = qs.filter(word)
        rank = rank + TrigramWordSimilarity(" ".join(tokens), "name")
    qs = qs.annotate(exact_name=_exact_name(words), rank=rank)
    return qs, [F("exact_name").desc(), F("rank").desc()]


def _exact_name(words: str) -> Case:
    return Case(When(name__iexact=words.strip(), then=Value(1)), default=Value(0))


def _sqlite_words(qs: QuerySet[Asset], words: str) -> tuple[QuerySet[Asset], list[Any]]:
    """SQLite (laptop demo) has no stemmer or trigrams: every word must appear in the name,
    description, venue or category, as typed, by its crude stem or as one of its synonyms.
    Listings whose name holds a searched word come first."""
    tokens = search_words(words)
    if not tokens:
        return qs.none(), []
    in_name = Q()
    for token in tokens:
        stem = crude_stem(token)
        match = Q()
        for term in {token, stem, *synonyms_for(token)}:
            match |= (
                Q(name__icontains=term)
                | Q(description__icontains=term)
                | Q(venue_name__icontains=term)
                | Q(category__icontains=term.replace(" ", "_"))
            )
        qs = qs.filter(match)
        in_name |= Q(name__icontains=stem)
    qs = qs.annotate(
        exact_name=_exact_name(words),
        name_match=Case(When(in_name, then=Value(1)), default=Value(0)),
    )
    return qs, [F("exact_name").desc(), F("name_match").desc()]


def postcode_location(*, postcode: str) -> tuple[float, float] | str:
    """(latitude, longitude) of a postcode; ``"unknown"`` when it is not in the look-up;
    ``"no_data"`` when no coordinates have been loaded at all."""
    key = normalise_postcode(postcode)
    row = Postcode.objects.filter(pk=key).values_list("latitude", "longitude").first()
    if row and row[0] is not None and row[1] is not None:
        return (row[0], row[1])
    if not Postcode.objects.filter(latitude__isnull=False).exists():
        return "no_data"
    return "unknown"


def directory_base() -> QuerySet[Asset]:
    """Approved listings that have not ended, with what a results row shows (no N+1)."""
    today = timezone.localdate()
    return (
        Asset.objects.filter(listing_status=ListingStatus.APPROVED)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .select_related("organisation")
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("weekday", "starts_at"))
        )
        .defer("search_vector")
    )


def directory_search(*, search: DirectorySearch) -> DirectoryResults:
    qs = directory_base()
    results = DirectoryResults(assets=qs)
    order: list[Any] = []

    words = search.q.strip()
    if words:
        if _is_postgres():
            qs, rank_order = _postgres_words(qs, words)
        else:
            qs, rank_order = _sqlite_words(qs, words)
        order.extend(rank_order)
        results.ranked = True
    if search.category:
        qs = qs.filter(category=search.category)
    if search.weekday is not None:
        qs = qs.filter(Exists(Session.objects.filter(asset=OuterRef("pk"), weekday=search.weekday)))
    if search.free_only:
        qs = qs.filter(is_free=True)
    for need in search.needs:
        if need in ACCESS_NEEDS:
            qs = qs.filter(**{need: True})
    if search.citizen_led_only:
        qs = qs.filter(led_by=LedBy.CITIZEN)

    if search.postcode.strip():
        where = postcode_location(postcode=search.postcode)
        if where == "no_data":
            results.distance_message = (
                "Searching by distance is not available yet: postcode locations have not "
                "been loaded. Showing results in name order."
            )
        elif where == "unknown":
            results.distance_message = (
                "We could not find that postcode, so results are not sorted by distance."
            )
        else:
            if not isinstance(where, tuple):
                raise TypeError("a distance search needs a (latitude, longitude) origin")
            qs = _with_distance(qs, origin=where, within_miles=search.within_miles)
            order.insert(0, F("distance_sq").asc(nulls_last=True))
            results.by_distance = True
            results.ranked = True
    order.append("name")
    results.assets = qs.order_by(*order)
    return results


def _with_distance(
    qs: QuerySet[Asset], *, origin: tuple[float, float], within_miles: float | None
) -> QuerySet[Asset]:
    """Annotate ``distance_sq`` (km², equirectangular: exact enough within a county, and plain
    arithmetic that SQLite and PostgreSQL both do)."""
    lat0, lng0 = origin
    # One LEFT JOIN to the postcode look-up (Asset.location), not a subquery per row.
    qs = qs.annotate(lat=F("location__latitude"), lng=F("location__longitude"))
    kx = 111.32 * math.cos(math.radians(lat0))
    ky = 110.57
    dx = (F("lng") - Value(lng0)) * Value(kx)
    dy = (F("lat") - Value(lat0)) * Value(ky)
    qs = qs.annotate(distance_sq=dx * dx + dy * dy)
    if within_miles:
        limit_km = within_miles * KM_PER_MILE
        # A box first (plain column comparisons), then the exact circle.
        dlat, dlng = limit_km / ky, limit_km / kx
        qs = qs.filter(
            location__latitude__range=(lat0 - dlat, lat0 + dlat),
            location__longitude__range=(lng0 - dlng, lng0 + dlng),
            distance_sq__lte=limit_km * limit_km,
        )
    return qs


class RankedPages:
    """A directory search paginated in two steps: the ranked page of ids first, with the
    number of matches counted in the same scan (``COUNT(*) OVER ()``), then that page's
    listings in full, with their organisation, sessions and annotations.

    Why: one query for whole rows made PostgreSQL build every match's full row (description
    and all, joined to its organisation) before sorting them by rank, and a second query
    scanned every match again to count them; for a common word (a third of 20,000 listings)
    those were most of the page's database time. ``page`` is the page the request asks for, so
    the count comes with its ids; a first page with no ids has no matches, and a later page
    out of range falls back to a plain count.

    Django's ``Paginator`` (and REST framework's) needs only ``count()`` and slicing."""

    def __init__(self, queryset: QuerySet[Asset], *, per_page: int, page: Any = 1) -> None:
        self.queryset = queryset
        self.per_page = per_page
        try:
            self.page = max(1, int(page))
        except (TypeError, ValueError):
            self.page = 1
        self._count: int | None = None
        self._ids: tuple[int, list[int]] | None = None  # (offset, ids from there)

    def _ranked_ids(self, start: int, stop: int) -> list[tuple[int, int]]:
        rows = self.queryset.annotate(matches=Window(Count("pk"))).values_list("pk", "matches")
        return list(rows[start:stop])

    def count(self) -> int:
        if self._count is None:
            start = (self.page - 1) * self.per_page
            rows = self._ranked_ids(start, start + self.per_page)
            if rows:
                self._count = rows[0][1]
                self._ids = (start, [pk for pk, _ in rows])
            elif start == 0:  # no first page: nothing matches
                self._count = 0
                self._ids = (0, [])
            else:
                self._count = self.queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Asset]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, index: int) -> Asset: ...

    @overload
    def __getitem__(self, index: slice) -> list[Asset]: ...

    def __getitem__(self, index: int | slice) -> Asset | list[Asset]:
        if isinstance(index, int):
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        if index.step is not None:
            raise TypeError("RankedPages is read a page (a slice) at a time")
        start, stop = index.start or 0, index.stop
        if self._ids is not None and self._ids[0] == start and stop is not None:
            ids = self._ids[1][: stop - start]
        else:
            ids = [pk for pk, _ in self._ranked_ids(start, stop)] if stop else []
        if not ids:
            return []
        by_pk = {asset.pk: asset for asset in self.queryset.filter(pk__in=ids).order_by()}
        return [by_pk[pk] for pk in ids if pk in by_pk]


def distance_miles(asset: Asset) -> float | None:
    value = getattr(asset, "distance_sq", None)
    if value is None:
        return None
    return math.sqrt(value) / KM_PER_MILE


def assets_for_print() -> QuerySet[Asset]:
    """Every live listing for the printed directory, by area (postcode district) then category."""
    return directory_base().order_by("postcode", "category", "name")


def listings_kept(*, user: Any) -> QuerySet[Asset]:
    """The listings ``user`` keeps ("Your listings"). Administrators may edit any listing, but
    their own page shows only those they keep, not the whole directory."""
    if not getattr(user, "is_authenticated", False):
        return Asset.objects.none()
    return (
        Asset.objects.filter(maintainers=user)
        .select_related("organisation")
        .prefetch_related("sessions")
        .defer("search_vector")
        .order_by("name")
    )


def moderation_queue() -> QuerySet[Asset]:
    return (
        Asset.objects.filter(listing_status=ListingStatus.PENDING)
        .select_related("proposed_by")
        .prefetch_related("sessions")
        .defer("search_vector")
        .order_by("created_at")
    )


def changes_to_review() -> QuerySet[AssetChange]:
    return (
        AssetChange.objects.filter(needs_review=True, reviewed_at__isnull=True)
        .select_related("asset", "by")
        .order_by("at")
    )


def gaps_list(*, status: str = "") -> QuerySet[Gap]:
    qs = Gap.objects.select_related("logged_by").annotate(groups=Count("assets"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-logged_at", "-id")


def gaps_summary() -> dict[str, Any]:
    """Gaps in aggregate for commissioners: counts and people by status and by category, and
    the groups started to fill them. No person data exists in a gap to begin with."""
    by_status = {
        row["status"]: row
        for row in Gap.objects.values("status").annotate(
            gaps=Count("id"), people=Coalesce(Sum("people_count"), 0)
        )
    }
    by_category: list[dict[str, Any]] = [
        dict(row)
        for row in Gap.objects.values("category")
        .annotate(
            gaps=Count("id"),
            people=Coalesce(Sum("people_count"), 0),
            open=Count("id", filter=~Q(status=GapStatus.FILLED)),
        )
        .order_by("-gaps", "category")
    ]
    labels = dict(Category.choices)
    for row in by_category:
        row["label"] = labels.get(row["category"], "No category given")
    groups_started = Asset.objects.filter(fills_gap__isnull=False).count()
    return {
        "by_status": [
            (status, by_status.get(status.value, {"gaps": 0, "people": 0})) for status in GapStatus
        ],
        "by_category": by_category,
        "groups_started": groups_started,
    }


def open_reports() -> QuerySet[ListingReport]:
    """Reports no moderator has dealt with yet, oldest first."""
    return (
        ListingReport.objects.filter(dealt_with_at__isnull=True)
        .select_related("asset", "reported_by")
        .order_by("reported_at", "id")
    )
