"""Re-measuring without a whole conversation: a short check-in records the friends question
and/or SWEMWBS and/or ONS4 on their own (no conversation row), so outcomes can be followed up
between conversations. Scored and validated exactly as in a conversation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from socialrx.audit import acting_user, audit_note

from ..models import FriendsObservation, Ons4Response, Person, SwemwbsResponse
from .activity import person_touch
from .conversations import measures_checked


@acting_user("by")
def check_in_record(
    *,
    person: Person,
    by: Any,
    on: dt.date,
    friends_count: int | None = None,
    swemwbs_items: Sequence[int] | None = None,
    ons4: Mapping[str, int | None] | None = None,
) -> list[Any]:
    """Record the measures given (at least one). Returns the rows made."""
    if on > timezone.localdate():
        raise ValidationError("The date must be today or in the past", code="date_future")
    swemwbs, ons4_values = measures_checked(
        friends_count=friends_count, swemwbs_items=swemwbs_items, ons4=ons4
    )
    if friends_count is None and swemwbs is None and ons4_values is None:
        raise ValidationError(
            "Enter the number of friends, or answer SWEMWBS or ONS4", code="nothing_measured"
        )
    made: list[Any] = []
    with transaction.atomic(), audit_note("check-in"):
        if friends_count is not None:
            made.append(
                FriendsObservation.objects.create(
                    person=person, observed_on=on, friends_count=friends_count
                )
            )
        if swemwbs is not None:
            made.append(
                SwemwbsResponse.objects.create(
                    person=person,
                    completed_on=on,
                    items=list(swemwbs.items),
                    raw_score=swemwbs.raw_score,
                    metric_score=swemwbs.metric_score,
                )
            )
        if ons4_values is not None:
            made.append(Ons4Response.objects.create(person=person, completed_on=on, **ons4_values))
        person_touch(person)
    return made
