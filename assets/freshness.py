"""How long a listing stays public without being confirmed. After ``LISTING_STALE_DAYS`` it
shows as "not confirmed recently"; after ``LISTING_HIDE_DAYS`` it leaves the public directory
(search, its page, its leaflet, the printed directory and the API) until a keeper confirms it.
Link workers and administrators still see it, marked, as they may know it still runs; its
keepers still see it, so they can confirm it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from .access import can_see_keepers
from .models import Asset


def hide_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.LISTING_HIDE_DAYS)


def unconfirmed_too_long(*, now: dt.datetime | None = None) -> Q:
    """Listings last known true (last confirmed, else created) before the hiding cutoff."""
    cutoff = hide_cutoff(now=now)
    return Q(last_confirmed_at__lt=cutoff) | Q(
        last_confirmed_at__isnull=True, created_at__lt=cutoff
    )


def sees_unconfirmed(*, user: Any) -> bool:
    """Who still sees listings hidden for want of confirmation: link workers and administrators."""
    return can_see_keepers(user=user)


def shown_to(queryset: QuerySet[Asset], *, user: Any) -> QuerySet[Asset]:
    """``queryset`` without the listings hidden from ``user`` for want of confirmation."""
    if sees_unconfirmed(user=user):
        return queryset
    return queryset.exclude(unconfirmed_too_long())
