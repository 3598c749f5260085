"""Writes: awards, link-worker posts, places offered, and the monthly capacity snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from assets.models import Asset, ListingStatus, Organisation
from referrals.models import Connection, ConnectionOutcome, GroupAnswer, GroupAnswerChoice
from socialrx.concurrency import version_claim

from .access import may_change_award, may_change_post
from .models import Award, CapacitySnapshot, LinkWorkerPost, PlacesOffered
from .periods import month_end, month_start

# --- funded or not --------------------------------------------------------------------------


def awards_funding(*, asset_id: Any, on: Any) -> QuerySet[Award]:
    """Awards current on ``on`` that fund the listing: naming it, or naming no listing and
    made to its organisation. ``asset_id`` and ``on`` may be outer references."""
    current = Award.objects.filter(starts_on__lte=on, ends_on__gte=on)
    return current.filter(
        Q(listings=asset_id) | Q(listings__isnull=True, recipient__assets=asset_id)
    )


def listing_funded_on(*, asset_id: int, on: dt.date) -> bool:
    return awards_funding(asset_id=asset_id, on=on).exists()


def funded_check(asset_id: int, on: dt.date) -> bool:
    """What ``referrals.hooks.funded_on`` asks when a connection is made."""
    return listing_funded_on(asset_id=asset_id, on=on)


def connections_funded_fill(*, start: dt.date, end: dt.date) -> int:
    """Connections made between ``start`` and ``end`` that do not yet say whether their group
    was funded (imported, or made before awards were kept) get the answer for the day they
    were made. A connection that already has one keeps it: it was true when it was made.

    The awards current in the period are few; they are read once and matched in memory (a
    correlated EXISTS per connection, with its joins, is far slower on a month of
    connections). The answers are written in two bulk updates per batch."""
    awards = Award.objects.filter(starts_on__lte=end, ends_on__gte=start).prefetch_related(
        "listings"
    )
    by_listing: dict[int, list[tuple[dt.date, dt.date]]] = {}
    by_organisation: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for award in awards:
        span = (award.starts_on, award.ends_on)
        listed = [a.pk for a in award.listings.all()]
        for asset_id in listed:
            by_listing.setdefault(asset_id, []).append(span)
        if not listed:
            by_organisation.setdefault(award.recipient_id, []).append(span)

    def funded(asset_id: int, organisation_id: int | None, day: dt.date) -> bool:
        spans = by_listing.get(asset_id, []) + by_organisation.get(organisation_id or 0, [])
        return any(first <= day <= last for first, last in spans)

    rows = Connection.objects.filter(
        made_on__gte=start, made_on__lte=end, funded_at_connection__isnull=True
    ).values_list("pk", "asset_id", "asset__organisation_id", "made_on")
    filled = 0
    answers: dict[bool, list[int]] = {True: [], False: []}
    for pk, asset_id, organisation_id, made_on in list(rows):
        answers[funded(asset_id, organisation_id, made_on)].append(pk)
        if len(answers[True]) + len(answers[False]) >= 5000:
            filled += _write_funded(answers)
    return filled + _write_funded(answers)


def _write_funded(answers: dict[bool, list[int]]) -> int:
    written = 0
    for value, pks in answers.items():
        if pks:
            written += Connection.objects.filter(
                pk__in=pks, funded_at_connection__isnull=True
            ).update(funded_at_connection=value)
            pks.clear()
    return written


# --- awards ---------------------------------------------------------------------------------


def _award_check(*, by: Any, funder: Organisation, starts_on: dt.date, ends_on: dt.date) -> None:
    if not may_change_award(user=by, funder_id=funder.pk):
        raise PermissionDenied("You may record awards only for your own funding body")
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date must be on or after the start date"})


@transaction.atomic
def award_create(*, by: Any, listings: Iterable[Asset] = (), **fields: Any) -> Award:
    _award_check(
        by=by, funder=fields["funder"], starts_on=fields["starts_on"], ends_on=fields["ends_on"]
    )
    award = Award.objects.create(recorded_by=by, **fields)
    award.listings.set(list(listings))
    return award


@transaction.atomic
def award_update(
    *,
    award: Award,
    by: Any,
    version: int,
    listings: Iterable[Asset] = (),
    **fields: Any,
) -> Award:
    if not may_change_award(user=by, funder_id=award.funder_id):
        raise PermissionDenied("You may change awards only of your own funding body")
    _award_check(
        by=by, funder=fields["funder"], starts_on=fields["starts_on"], ends_on=fields["ends_on"]
    )
    version_claim(award, expected=version)
    for name, value in fields.items():
        setattr(award, name, value)
    award.save(update_fields=[*fields, "updated_at"])
    award.listings.set(list(listings))
    return award


# --- link-worker posts ----------------------------------------------------------------------


@transaction.atomic
def post_create(*, by: Any, **fields: Any) -> LinkWorkerPost:
    if not may_change_post(user=by, funder_id=fields["funder"].pk):
        raise PermissionDenied("You may record posts only that your own funding body pays for")
    return LinkWorkerPost.objects.create(**fields)


@transaction.atomic
def post_update(*, post: LinkWorkerPost, by: Any, version: int, **fields: Any) -> LinkWorkerPost:
    if not (
        may_change_post(user=by, funder_id=post.funder_id)
        and may_change_post(user=by, funder_id=fields["funder"].pk)
    ):
        raise PermissionDenied("You may change posts only that your own funding body pays for")
    version_claim(post, expected=version)
    for name, value in fields.items():
        setattr(post, name, value)
    post.save(update_fields=list(fields))
    return post


# --- places offered -------------------------------------------------------------------------


def places_set(*, asset: Asset, from_month: dt.date, places: int, by: Any) -> PlacesOffered:
    """The keeper says how many new people a month the group can take, from a month on."""
    if places < 0:
        raise ValidationError({"places": "Places must be 0 or more"})
    row, _ = PlacesOffered.objects.update_or_create(
        asset=asset,
        from_month=month_start(from_month),
        defaults={
            "places": places,
            "recorded_by": by if getattr(by, "is_authenticated", False) else None,
        },
    )
    return row


# --- the capacity snapshot ------------------------------------------------------------------

_ACCEPTED_OUTCOMES = (
    ConnectionOutcome.ATTENDED,
    ConnectionOutcome.CONTINUING,
    ConnectionOutcome.MEMBER,
)
_DECLINES = {
    "declined_full": GroupAnswerChoice.FULL,
    "declined_not_suitable": GroupAnswerChoice.NOT_SUITABLE,
    "declined_too_complex": GroupAnswerChoice.TOO_COMPLEX,
}
FIGURES = (
    "received",
    "accepted",
    *_DECLINES,
    "waiting",
    "funded",
    "unfunded",
)


def capacity_figures(
    *, start: dt.date, end: dt.date, asset_ids: list[int] | None = None
) -> dict[int, dict[str, int]]:
    """Per listing, the connections made between ``start`` and ``end`` and what became of
    them as they stand now (docs/funding.md): one aggregate query."""
    latest_answer = Subquery(
        GroupAnswer.objects.filter(connection=OuterRef("pk"))
        .order_by("-at", "-id")
        .values("answer")[:1]
    )
    rows = Connection.objects.filter(made_on__gte=start, made_on__lte=end)
    if asset_ids is not None:
        rows = rows.filter(asset_id__in=asset_ids)
    # No answer is "", not NULL: NOT (NULL IN (...)) would leave the row out of every count.
    rows = rows.annotate(answer=Coalesce(latest_answer, Value("")))
    declined = Q(answer__in=list(_DECLINES.values()))
    accepted = ~declined & (Q(outcome__in=_ACCEPTED_OUTCOMES) | Q(answer=GroupAnswerChoice.CAME))
    waiting = ~declined & ~accepted & Q(outcome=ConnectionOutcome.PENDING)
    counts = {
        "received": Count("pk"),
        "accepted": Count("pk", filter=accepted),
        **{name: Count("pk", filter=Q(answer=code)) for name, code in _DECLINES.items()},
        "waiting": Count("pk", filter=waiting),
        "funded": Count("pk", filter=Q(funded_at_connection=True)),
        "unfunded": Count("pk", filter=Q(funded_at_connection=False)),
    }
    figures: dict[int, dict[str, int]] = {}
    for row in rows.order_by().values("asset_id").annotate(**counts):
        values: dict[str, Any] = dict(row)
        figures[values.pop("asset_id")] = values
    return figures


def places_for_month(*, month: dt.date, asset_ids: list[int] | None = None) -> dict[int, int]:
    """Each listing's places offered in ``month``: its latest statement from that month or
    before."""
    rows = PlacesOffered.objects.filter(from_month__lte=month_start(month))
    if asset_ids is not None:
        rows = rows.filter(asset_id__in=asset_ids)
    places: dict[int, int] = {}
    for asset_id, places_count in rows.order_by("asset_id", "-from_month").values_list(
        "asset_id", "places"
    ):
        places.setdefault(asset_id, places_count)
    return places


def capacity_snapshot(*, month: dt.date) -> int:
    """Replace ``month``'s snapshot rows, one per listing that was in the directory that month
    or had a connection made to it. Running it twice gives the same rows; a run that dies half
    way leaves the previous rows (one transaction). Returns the number of rows."""
    start, end = month_start(month), month_end(month)
    with transaction.atomic():
        connections_funded_fill(start=start, end=end)
        figures = capacity_figures(start=start, end=end)
        places = places_for_month(month=start)
        listed = Asset.objects.filter(listing_status=ListingStatus.APPROVED).filter(
            Q(started_on__isnull=True) | Q(started_on__lte=end),
            Q(ended_on__isnull=True) | Q(ended_on__gt=start),
        )
        asset_ids = set(listed.values_list("pk", flat=True)) | set(figures) | set(places)
        now = timezone.now()
        empty = dict.fromkeys(FIGURES, 0)
        CapacitySnapshot.objects.filter(month=start).delete()
        CapacitySnapshot.objects.bulk_create(
            [
                CapacitySnapshot(
                    asset_id=asset_id,
                    month=start,
                    places_offered=places.get(asset_id),
                    computed_at=now,
                    **figures.get(asset_id, empty),
                )
                for asset_id in sorted(asset_ids)
            ],
            batch_size=2000,
        )
    return len(asset_ids)


def capacity_refresh(*, today: dt.date | None = None) -> list[dt.date]:
    """The nightly job: this month and last month (late answers change last month's rows)."""
    today = today or timezone.localdate()
    this = month_start(today)
    last = month_start(this - dt.timedelta(days=1))
    for month in (last, this):
        capacity_snapshot(month=month)
    return [last, this]


def money(value: Decimal | float | int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))
