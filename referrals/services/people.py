"""Writes to a person's record: the record made or completed at intake, the details a link
worker changes, who their named link worker is, and the audit entry for viewing it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from socialrx.audit import acting_user
from socialrx.concurrency import snapshot, version_bump, version_claim
from socialrx.models import Role, User
from socialrx.validators import nhs_number_is_valid, normalise_nhs_number

from ..models import OPEN_STATUSES, Person
from .assignment import link_worker_for, team_for_practice
from .matching import PersonDetails, nhs_number_checked

PERSON_EDITABLE_FIELDS = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "ethnic_category",
    "ethnicity",
    "postcode",
    "preferred_language",
    "communication_needs",
    "phone",
    "email",
    "address",
    "best_time_to_contact",
    "safe_to_leave_message",
    "preferred_channel",
    "needs_interpreter",
    "interpreter_language",
)


def person_snapshot(person: Person) -> dict[str, str]:
    """The editable details as a person reads them: what an edit form was loaded with, and
    what a refused edit is shown as changed."""
    return snapshot(person, PERSON_EDITABLE_FIELDS)


# --- at intake -------------------------------------------------------------------------------


@acting_user("by")
def person_create(*, details: PersonDetails, by: Any | None) -> Person:
    """A new person record, with the team serving their practice and their named link worker."""
    details = details.normalised()
    digits = nhs_number_checked(details.nhs_number)
    if not details.given_name:
        raise ValidationError({"given_name": "Enter a first name"})
    if digits and Person.objects.filter(nhs_number=digits).exists():
        raise ValidationError({"nhs_number": "A person with this NHS number is already recorded"})
    person = Person(
        nhs_number=digits or None,
        given_name=details.given_name,
        family_name=details.family_name,
        date_of_birth=details.date_of_birth,
        postcode=details.postcode,
        phone=details.phone,
        email=details.email,
        communication_needs=details.communication_needs,
        practice=details.practice,
        ethnic_category=details.ethnic_category,
    )
    # The NHS number's uniqueness is checked above and, against a concurrent intake, by the
    # database (``person_create_or_existing``).
    person.full_clean(
        exclude=["team", "link_worker"], validate_unique=False, validate_constraints=False
    )
    with transaction.atomic():
        person.team = team_for_practice(practice=person.practice)
        person.link_worker = link_worker_for(person=person, team=person.team)
        person.save()
    return person


@acting_user("by")
def person_fill_blanks(*, person: Person, details: PersonDetails, by: Any | None) -> Person:
    """Add what a new referral tells us that the record lacks; never overwrite what is there
    (the link worker confirms changes with the person)."""
    details = details.normalised()
    changed = []
    for name in ("family_name", "date_of_birth", "postcode", "phone", "email", "ethnic_category"):
        new = getattr(details, name)
        if new and not getattr(person, name):
            setattr(person, name, new)
            changed.append(name)
    if details.communication_needs and details.communication_needs not in (
        person.communication_needs or ""
    ):
        person.communication_needs = "\n".join(
            x for x in (person.communication_needs, details.communication_needs) if x
        )
        changed.append("communication_needs")
    digits = nhs_number_checked(details.nhs_number)
    if digits and not person.nhs_number:
        if Person.objects.filter(nhs_number=digits).exclude(pk=person.pk).exists():
            raise ValidationError(
                {"nhs_number": "A different person with this NHS number is already recorded"}
            )
        person.nhs_number = digits
        changed.append("nhs_number")
    if details.practice is not None and person.practice_id is None:
        person.practice = details.practice
        changed.append("practice")
    if changed:
        with transaction.atomic():
            person.save(update_fields=changed)
            # A form opened before this must not blank what intake has just added.
            version_bump(person)
    return person


def person_create_or_existing(*, details: PersonDetails, by: Any | None) -> Person:
    """Create the person; if a concurrent intake has just recorded the same NHS number, that
    record is the person (one person, one record) rather than an error."""
    try:
        with transaction.atomic():
            return person_create(details=details, by=by)
    except (IntegrityError, ValidationError) as exc:
        digits = normalise_nhs_number(details.nhs_number or "")
        if isinstance(exc, ValidationError) and "nhs_number" not in getattr(exc, "error_dict", {}):
            raise
        existing = Person.objects.filter(nhs_number=digits).first() if digits else None
        if existing is None or not nhs_number_is_valid(digits):
            raise
        return person_fill_blanks(person=existing, details=details, by=by)


# --- on the case -----------------------------------------------------------------------------


@acting_user("by")
def person_update(
    *, person: Person, by: Any, data: Mapping[str, Any], version: int | None = None
) -> list[str]:
    """Change the person's details; returns the names of the fields that changed (the audit
    log keeps the names only, never the values). ``version`` is the one the edit was loaded
    with (default: ``person``'s own); if someone else has saved since, nothing is written and
    :class:`socialrx.concurrency.EditConflict` says so, rather than undoing their change."""
    expected = person.version if version is None else version
    changed = [
        name
        for name in PERSON_EDITABLE_FIELDS
        if name in data and getattr(person, name) != data[name]
    ]
    if not changed:
        return []
    for name in changed:
        setattr(person, name, data[name])
    digits = normalise_nhs_number(person.nhs_number or "")
    if (
        "nhs_number" in changed
        and digits
        and Person.objects.filter(nhs_number=digits).exclude(pk=person.pk).exists()
    ):
        raise ValidationError({"nhs_number": "A person with this NHS number is already recorded"})
    person.full_clean(exclude=["team", "link_worker", "practice"])
    with transaction.atomic():
        version_claim(person, expected=expected)
        person.last_activity_at = timezone.now()
        person.save(update_fields=[*changed, "last_activity_at"])
    return changed


@acting_user("by")
def person_link_worker_set(*, person: Person, link_worker: User, by: Any) -> None:
    """Hand the case to another link worker of the person's team. Their open referrals move
    with them: one named, continuing worker per person."""
    if (
        link_worker.role != Role.LINK_WORKER
        or not link_worker.is_active
        or link_worker.team_id is None
        or link_worker.team_id != person.team_id
    ):
        raise ValidationError(
            "Choose a link worker from this person's team", code="link_worker_not_in_team"
        )
    if person.link_worker_id == link_worker.pk:
        return
    with transaction.atomic():
        person.link_worker = link_worker
        person.last_activity_at = timezone.now()
        person.save(update_fields=["link_worker", "last_activity_at"])
        # One save per open referral (a person has few), so each is audited with its before
        # and after like any other change.
        for referral in person.referrals.filter(status__in=OPEN_STATUSES).exclude(
            link_worker=link_worker
        ):
            referral.link_worker = link_worker
            referral.save(update_fields=["link_worker", "updated_at"])
