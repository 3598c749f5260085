"""The "what matters to you" conversation, with the friends question and the wellbeing
questionnaires asked in it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from socialrx.audit import acting_user

from ..models import (
    Conversation,
    FriendsObservation,
    LifeArea,
    Ons4Response,
    Person,
    ReferralStatus,
    SwemwbsResponse,
)
from ..questionnaires import ons4_answers, swemwbs_score
from ..selectors.casework import referral_open_for
from .activity import person_touch
from .status import StatusConflict, referral_status_change
from .tasks import task_for_first_conversation

S = ReferralStatus


def measures_checked(
    *,
    friends_count: int | None,
    swemwbs_items: Sequence[int] | None,
    ons4: Mapping[str, int | None] | None,
) -> tuple[Any, Any]:
    """The friends count and questionnaires as given, checked and scored: the SWEMWBS score
    (or None) and the ONS4 answers (or None). Shared by conversations and check-ins."""
    if friends_count is not None and friends_count < 0:
        raise ValidationError("The number of friends cannot be negative", code="friends_negative")
    try:
        swemwbs = swemwbs_score(items=swemwbs_items) if swemwbs_items else None
        ons4_values = ons4_answers(answers=ons4 or {})
    except ValueError as exc:
        raise ValidationError(str(exc), code="questionnaire_incomplete") from None
    if swemwbs is not None and not settings.SWEMWBS_ENABLED:
        raise ValidationError("SWEMWBS is switched off", code="swemwbs_disabled")
    return swemwbs, ons4_values


@acting_user("by")
def conversation_log(
    *,
    person: Person,
    by: Any,
    held_on: dt.date,
    what_matters: str = "",
    good_life: str = "",
    love_doing: str = "",
    could_offer: str = "",
    life_areas: Iterable[str] = (),
    notes: str = "",
    friends_count: int | None = None,
    swemwbs_items: Sequence[int] | None = None,
    ons4: Mapping[str, int | None] | None = None,
) -> Conversation:
    """Log a "what matters to you" conversation on the person's open referral, with the
    optional friends question and questionnaires. The first conversation on a received or
    contacted referral makes it active."""
    areas = list(dict.fromkeys(life_areas))
    unknown = [a for a in areas if a not in LifeArea.values]
    if unknown:
        raise ValidationError("Choose life areas from the list", code="unknown_life_area")
    swemwbs, ons4_values = measures_checked(
        friends_count=friends_count, swemwbs_items=swemwbs_items, ons4=ons4
    )

    with transaction.atomic():
        referral = referral_open_for(person=person)
        first = not (referral.conversations if referral else person.conversations).exists()
        conversation = Conversation.objects.create(
            person=person,
            referral=referral,
            held_on=held_on,
            held_by=by if getattr(by, "is_authenticated", False) else None,
            what_matters=what_matters,
            good_life=good_life,
            love_doing=love_doing,
            could_offer=could_offer,
            life_areas=areas,
            notes=notes,
        )
        if friends_count is not None:
            FriendsObservation.objects.create(
                person=person,
                conversation=conversation,
                observed_on=held_on,
                friends_count=friends_count,
            )
        if swemwbs is not None:
            SwemwbsResponse.objects.create(
                person=person,
                conversation=conversation,
                completed_on=held_on,
                items=list(swemwbs.items),
                raw_score=swemwbs.raw_score,
                metric_score=swemwbs.metric_score,
            )
        if ons4_values is not None:
            Ons4Response.objects.create(
                person=person, conversation=conversation, completed_on=held_on, **ons4_values
            )
        if (
            referral is not None
            and referral.status in (S.RECEIVED, S.CONTACTED)
            and not referral.conversations.exclude(pk=conversation.pk).exists()
        ):
            try:
                with transaction.atomic():
                    referral_status_change(
                        referral=referral,
                        to_status=S.ACTIVE,
                        by=by,
                        note="First conversation held",
                    )
            except StatusConflict:
                # Someone moved the referral on meanwhile: their status stands, and the
                # conversation is kept all the same.
                person_touch(person)
        else:
            person_touch(person)
        if first:
            task_for_first_conversation(person=person, referral=referral, held_on=held_on, by=by)
    return conversation
