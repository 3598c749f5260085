"""The "what matters to you" conversation, with the friends question and the wellbeing
questionnaires asked in it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat, timezone

from socialrx.audit import acting_user, audit_note
from socialrx.concurrency import version_claim

from ..models import (
    Conversation,
    ConversationRevision,
    FriendsObservation,
    LifeArea,
    Ons4Response,
    Person,
    ReferralStatus,
    SwemwbsResponse,
)
from ..questionnaires import ONS4_QUESTIONS, ons4_answers, swemwbs_score
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


# --- correcting a conversation ---------------------------------------------------------------

TEXT_ANSWERS = ("what_matters", "good_life", "love_doing", "could_offer")
_ONS4_SHORT = {
    "life_satisfaction": "life satisfaction",
    "worthwhile": "worthwhile",
    "happiness": "happiness",
    "anxiety": "anxiety",
}


def _areas_in_words(codes: Iterable[str]) -> str:
    chosen = set(codes)
    return ", ".join(label for value, label in LifeArea.choices if value in chosen)


def _swemwbs_in_words(items: Sequence[int] | None) -> str:
    if not items:
        return ""
    return f"{', '.join(str(i) for i in items)} (raw score {sum(items)})"


def _ons4_in_words(values: Mapping[str, int] | None) -> str:
    if not values:
        return ""
    return ", ".join(f"{_ONS4_SHORT[key]} {values[key]}" for key, _ in ONS4_QUESTIONS)


def _answers_in_words(
    *,
    held_on: dt.date,
    texts: Mapping[str, str],
    life_areas: Iterable[str],
    notes: str,
    friends_count: int | None,
    swemwbs_items: Sequence[int] | None,
    ons4: Mapping[str, int] | None,
) -> dict[str, str]:
    return {
        "held_on": dateformat.format(held_on, "j F Y"),
        **{name: texts.get(name, "") for name in TEXT_ANSWERS},
        "life_areas": _areas_in_words(life_areas),
        "notes": notes,
        "friends_count": "" if friends_count is None else str(friends_count),
        "swemwbs": _swemwbs_in_words(swemwbs_items),
        "ons4": _ons4_in_words(ons4),
    }


def conversation_measures(conversation: Conversation) -> dict[str, Any]:
    """The measures recorded in the conversation, read from the database: the friends count,
    the SWEMWBS items and the ONS4 answers (each None when not asked)."""
    friends = FriendsObservation.objects.filter(conversation=conversation).first()
    swemwbs = SwemwbsResponse.objects.filter(conversation=conversation).first()
    ons4 = Ons4Response.objects.filter(conversation=conversation).first()
    return {
        "friends_count": friends.friends_count if friends else None,
        "swemwbs_items": list(swemwbs.items) if swemwbs else None,
        "ons4": {key: getattr(ons4, key) for key, _ in ONS4_QUESTIONS} if ons4 else None,
    }


def conversation_snapshot(conversation: Conversation) -> dict[str, str]:
    """Every answer of the conversation as it is stored, as people read it (what a correction
    compares, keeps as the previous version, and shows when two people edit at once)."""
    stored = Conversation.objects.get(pk=conversation.pk)
    measures = conversation_measures(stored)
    return _answers_in_words(
        held_on=stored.held_on,
        texts={name: getattr(stored, name) for name in TEXT_ANSWERS},
        life_areas=stored.life_areas or (),
        notes=stored.notes,
        friends_count=measures["friends_count"],
        swemwbs_items=measures["swemwbs_items"],
        ons4=measures["ons4"],
    )


def _measure_row_set(
    model: Any, *, conversation: Conversation, values: Mapping[str, Any] | None
) -> None:
    """Make the conversation's row of ``model`` hold ``values``: updated when there is one,
    made when there is none, deleted when the measure is no longer given (each audited)."""
    row = model.objects.filter(conversation=conversation).first()
    if values is None:
        if row is not None:
            row.delete()
        return
    if row is None:
        model.objects.create(person_id=conversation.person_id, conversation=conversation, **values)
        return
    for name, value in values.items():
        setattr(row, name, value)
    row.save()


@acting_user("by")
def conversation_correct(
    *,
    conversation: Conversation,
    by: Any,
    version: int,
    reason: str,
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
) -> ConversationRevision | None:
    """Correct a recorded conversation: its answers, life areas and measures. The version
    replaced is kept (a :class:`ConversationRevision` with who, when, why, and each change as
    it was and as it became), every row changed is audited, and the measures rows are changed
    in place, so the outcome figures count the corrected values.

    ``version`` is the conversation's version the form was loaded with: if someone saved a
    correction since, :class:`~socialrx.concurrency.EditConflict` is raised and nothing
    changes. Returns ``None`` when nothing would change (and then writes nothing).

    When SWEMWBS is switched off its form fields are not shown: a recorded SWEMWBS is then
    kept as it is rather than read as removed."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "Enter why you are correcting this conversation"}, code="reason_required"
        )
    texts = {
        "what_matters": what_matters,
        "good_life": good_life,
        "love_doing": love_doing,
        "could_offer": could_offer,
    }
    if not any(value.strip() for value in texts.values()):
        raise ValidationError(
            {
                "what_matters": "Write down at least one of the person's answers to the first "
                "four questions"
            },
            code="answers_required",
        )
    if held_on > timezone.localdate():
        raise ValidationError(
            {"held_on": "The date of the conversation must be today or in the past"},
            code="date_future",
        )
    areas = list(dict.fromkeys(life_areas))
    if [a for a in areas if a not in LifeArea.values]:
        raise ValidationError(
            {"life_areas": "Choose life areas from the list"}, code="unknown_life_area"
        )
    keep_swemwbs = swemwbs_items is None and not settings.SWEMWBS_ENABLED
    swemwbs, ons4_values = measures_checked(
        friends_count=friends_count, swemwbs_items=swemwbs_items, ons4=ons4
    )

    def wanted(current_swemwbs: Sequence[int] | None) -> dict[str, str]:
        return _answers_in_words(
            held_on=held_on,
            texts=texts,
            life_areas=areas,
            notes=notes,
            friends_count=friends_count,
            swemwbs_items=current_swemwbs if keep_swemwbs else (swemwbs and swemwbs.items),
            ons4=ons4_values,
        )

    with transaction.atomic(), audit_note("correction"):
        before = conversation_snapshot(conversation)
        stored_swemwbs = conversation_measures(conversation)["swemwbs_items"]
        after = wanted(stored_swemwbs)
        changes = {
            name: [before[name], after[name]] for name in after if before[name] != after[name]
        }
        if not changes:
            return None
        version_claim(conversation, expected=version)
        conversation.held_on = held_on
        for name, value in texts.items():
            setattr(conversation, name, value)
        conversation.life_areas = areas
        conversation.notes = notes
        conversation.save(update_fields=["held_on", *TEXT_ANSWERS, "life_areas", "notes"])
        _measure_row_set(
            FriendsObservation,
            conversation=conversation,
            values=None
            if friends_count is None
            else {"observed_on": held_on, "friends_count": friends_count},
        )
        if not keep_swemwbs:
            _measure_row_set(
                SwemwbsResponse,
                conversation=conversation,
                values=None
                if swemwbs is None
                else {
                    "completed_on": held_on,
                    "items": list(swemwbs.items),
                    "raw_score": swemwbs.raw_score,
                    "metric_score": swemwbs.metric_score,
                },
            )
        elif stored_swemwbs is not None:
            # Kept as it was, on the conversation's (perhaps corrected) date.
            row = SwemwbsResponse.objects.get(conversation=conversation)
            if row.completed_on != held_on:
                row.completed_on = held_on
                row.save()
        _measure_row_set(
            Ons4Response,
            conversation=conversation,
            values=None if ons4_values is None else {"completed_on": held_on, **ons4_values},
        )
        revision = ConversationRevision.objects.create(
            conversation=conversation,
            replaced_version=version,
            changed_by=by if getattr(by, "is_authenticated", False) else None,
            reason=reason,
            changes=changes,
            previous=before,
        )
        person_touch(conversation.person)
    return revision
