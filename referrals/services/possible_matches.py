"""A link worker settles a possible match: a referral made on a route that may not attach it
to an existing person (the public form; practice staff and another practice's patient) holds
its own record, made from what was typed, and points at the person it may be for.

Confirm: it is that person. The referral, and anything recorded on its own record since,
moves to them; the link worker chooses which typed contact details to copy; the referral's
own record is removed. Reject: it is someone else; the referral's own record stands as a new
person. Both are audited (ids and field names only)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from socialrx.audit import acting_user, audit_record
from socialrx.models import AuditLog

from ..models import OPEN_STATUSES, Person, Referral, ReferralStatus
from .assignment import link_worker_for, team_for_practice
from .status import status_change_record

# Typed details a link worker may copy onto the matched person's record on confirming.
COPYABLE_DETAILS = {
    "phone": "Phone number",
    "email": "Email address",
    "postcode": "Postcode",
    "communication_needs": "Communication needs (added to what is recorded)",
}


def _locked_open_match(referral: Referral) -> Referral:
    # The row alone: a join would be re-checked against the old person after waiting for a
    # concurrent answer, and the referral would seem to vanish.
    locked = Referral.objects.select_for_update().filter(pk=referral.pk).first()
    if (
        locked is None
        or locked.possible_match_id is None
        or locked.possible_match_id == locked.person_id
    ):
        raise ValidationError("This possible match has already been dealt with")
    return locked


def _match_id(referral: Referral) -> int:
    match_id = referral.possible_match_id
    if match_id is None:  # _locked_open_match refuses a referral without one
        raise ValidationError("This possible match has already been dealt with")
    return match_id


@acting_user("by")
def possible_match_confirm(*, referral: Referral, by: Any, copy: Collection[str] = ()) -> Person:
    """The referral is for its possible match: returns the person it now belongs to."""
    unknown = set(copy) - set(COPYABLE_DETAILS)
    if unknown:
        raise ValidationError({"copy": "Choose from the details listed"})
    with transaction.atomic():
        referral = _locked_open_match(referral)
        own = referral.person
        match = Person.objects.select_for_update().get(pk=_match_id(referral))
        # One open case per person: a referral nobody has worked on yet joins the matched
        # person's open case (looked for before this record's referrals move over).
        open_case = (
            Referral.objects.filter(person=match, status__in=OPEN_STATUSES)
            .order_by("-received_on", "-id")
            .first()
            if referral.status == ReferralStatus.RECEIVED
            else None
        )
        copied = _copy_details(referral=referral, to=match, names=copy)
        moved = _move_records(source=own, to=match)
        joined: dict[str, Any] = {}
        if open_case is not None:
            team, link_worker = open_case.team, open_case.link_worker
            joined = {
                "status": ReferralStatus.JOINED_CASE,
                "joined_case": open_case,
                "closed_on": timezone.localdate(),
                "version": referral.version + 1,
            }
            status_change_record(
                referral=referral,
                from_status=referral.status,
                to_status=ReferralStatus.JOINED_CASE,
                by=by,
            )
            update_fields = [*copied, "last_activity_at"]
        else:
            team = team_for_practice(practice=match.practice) or match.team
            link_worker = link_worker_for(person=match, team=team)
            match.team = team
            match.link_worker = link_worker
            update_fields = [*copied, "team", "link_worker", "last_activity_at"]
        match.last_activity_at = timezone.now()
        match.save(update_fields=update_fields)
        handed_over = link_worker is not None and (
            link_worker.pk != referral.link_worker_id or open_case is not None
        )
        Referral.objects.filter(pk=referral.pk).update(
            person=match,
            team=team,
            link_worker=link_worker,
            possible_match=None,
            possible_match_on="",
            **joined,
            **({"notified_at": None} if handed_over else {}),
        )
        if handed_over:
            # The matched person's link worker learns of the referral as of any other.
            from ..tasks import referral_notify_link_worker_task

            referral_id = referral.pk
            transaction.on_commit(
                lambda: referral_notify_link_worker_task.delay(referral_id=referral_id)
            )
        audit_record(
            user=by,
            action=AuditLog.Action.UPDATE,
            obj=referral,
            person_id=match.pk,
            detail=f"possible match confirmed: from person {own.pk}; moved {moved}"
            + (f"; added to open case {open_case.pk}" if open_case is not None else ""),
        )
        # The matched person's save and the removal of the referral's own record are
        # audited by the models (values in the entries' before/after).
        if not own.referrals.exists():
            own.delete()
    return match


@acting_user("by")
def possible_match_reject(*, referral: Referral, by: Any) -> Person:
    """The referral is for someone else: its own record stands as a new person."""
    with transaction.atomic():
        referral = _locked_open_match(referral)
        match_pk = referral.possible_match_id
        Referral.objects.filter(pk=referral.pk).update(possible_match=None, possible_match_on="")
        audit_record(
            user=by,
            action=AuditLog.Action.UPDATE,
            obj=referral,
            person_id=referral.person_id,
            detail=f"possible match rejected: not person {match_pk}",
        )
    return referral.person


def _copy_details(*, referral: Referral, to: Person, names: Collection[str]) -> list[str]:
    copied = []
    for name in COPYABLE_DETAILS:
        if name not in names:
            continue
        value = (getattr(referral, f"entered_{name}") or "").strip()
        if not value:
            continue
        if name == "communication_needs":
            if value in (to.communication_needs or ""):
                continue
            value = "\n".join(x for x in (to.communication_needs, value) if x)
        if getattr(to, name) != value:
            setattr(to, name, value)
            copied.append(name)
    if copied:
        to.full_clean(exclude=["team", "link_worker", "practice"], validate_constraints=False)
    return copied


def _move_records(*, source: Person, to: Person) -> int:
    """Everything recorded on ``source`` (its referrals, conversations, notes…) now belongs
    to ``to``. A one-to-one record both have (a volunteer record) cannot be merged: refused."""
    moved = 0
    for rel in Person._meta.related_objects:
        model = rel.related_model
        field = rel.field.name
        rows = model._base_manager.filter(**{field: source})
        if rel.one_to_one and rows.exists() and model._base_manager.filter(**{field: to}).exists():
            raise ValidationError(
                f"Both records have a {model._meta.verbose_name}: merge them by hand first"
            )
        moved += rows.update(**{field: to})
    return moved
