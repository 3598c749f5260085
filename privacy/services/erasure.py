"""Erasure: the person and every row that belongs to them go, in one transaction. What stays
is an ``ErasureRecord`` (a random reference, why, who, when, how many rows), the audit entries
with their before/after values cleared, and aggregates (metric snapshots) that never named
them."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from champions.models import Champion
from referrals.models import ClosedRouteEnquiry, Person
from socialrx.audit import audit_record, audit_without_values
from socialrx.models import AuditLog

from ..models import ErasureReason, ErasureRecord
from .merge import in_pending_merge
from .records import enquiries_for, person_ids_in_history, person_rows

logger = logging.getLogger(__name__)

ERASED = "[erased]"


def _identifiers(person: Person) -> list[str]:
    """What would identify the person in a free-text reason."""
    values = [
        person.given_name,
        person.family_name,
        person.email,
        person.person_ref or "",
    ]
    return [v.strip().lower() for v in values if v and len(v.strip()) >= 2]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def reason_check(*, person: Person, reason: str) -> None:
    """The reason is kept after the person has gone, so it must not name them: refuse one that
    holds their name, NHS number, date of birth, phone, email, postcode or reference."""
    text = reason.lower()
    words = set(re.findall(r"[\w'@.-]+", text))
    found = any(
        ident in words or (" " in ident and ident in text) for ident in _identifiers(person)
    )
    digits = _digits(reason)
    for number in (person.nhs_number or "", _digits(person.phone)):
        if len(number) >= 6 and number in digits:
            found = True
    if person.postcode and person.postcode.replace(" ", "").lower() in text.replace(" ", ""):
        found = True
    if person.date_of_birth:
        dob = person.date_of_birth
        for shape in (dob.isoformat(), dob.strftime("%d/%m/%Y"), dob.strftime("%d-%m-%Y")):
            if shape in reason:
                found = True
    if found:
        raise ValidationError(
            {
                "reason": "The reason is kept after the record has gone: remove the person's "
                "name, NHS number, date of birth and contact details from it"
            }
        )


def _scrub_account(user: Any, reference: str) -> None:
    """A volunteer's own sign-in account names them: it stays (their hours and the audit
    trail point at it) but no longer says who they were, and can no longer sign in."""
    user.username = f"erased-{reference.lower()}"
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    audit_record(user=None, action=AuditLog.Action.ERASE, obj=user, detail="account anonymised")


def _forget_admin_log(model: type[models.Model], ids: set[int]) -> None:
    """The Django admin's history keeps each object's name (``object_repr``)."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    LogEntry.objects.filter(
        content_type=content_type, object_id__in=[str(pk) for pk in ids]
    ).update(object_repr=ERASED, change_message="")


def _clear_audit_values(model: type[models.Model], ids: set[int]) -> None:
    # The append-only trigger lets exactly this through: ``changes`` from a value to NULL.
    AuditLog.objects.filter(
        object_type=model._meta.label_lower,
        object_id__in=[str(pk) for pk in ids],
        changes__isnull=False,
    ).update(changes=None)


def person_erase(
    *, person: Person, by: Any | None, reason_category: str, reason: str = ""
) -> ErasureRecord:
    """Erase ``person`` and everything that belongs to them. ``by`` is the administrator
    (``None`` for the retention job). Invalid input raises ``ValidationError`` and changes
    nothing."""
    if reason_category not in ErasureReason.values:
        raise ValidationError({"reason_category": "Choose why the record is being erased"})
    reason = reason.strip()
    if reason_category != ErasureReason.RETENTION and not reason:
        raise ValidationError({"reason": "Say why the record is being erased"})
    reason_check(person=person, reason=reason)
    if in_pending_merge(person=person):
        raise ValidationError(
            "This record is in a merge that is still pending: confirm or undo it first"
        )
    user = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        found = person_rows(person=person)
        history_ids = person_ids_in_history(person=person)
        record = ErasureRecord(
            person_id=person.pk,
            reason_category=reason_category,
            reason=reason,
            erased_by=user,
            erased_by_username=user.username if user else "",
        )
        counts: dict[str, int] = {}

        def count(deleted: dict[str, int]) -> None:
            for label, n in deleted.items():
                if n:
                    key = label.lower()
                    counts[key] = counts.get(key, 0) + n

        # Audit entries about the record keep the fact of each view and change; the values
        # they carried go (under every id the record has had, and for each row's own id).
        AuditLog.objects.filter(person_id__in=history_ids, changes__isnull=False).update(
            changes=None
        )
        targets: list[tuple[type[models.Model], set[int]]] = [(Person, {person.pk})]
        targets += list(found.items())
        for model, ids in targets:
            _clear_audit_values(model, ids)
            _forget_admin_log(model, ids)
        User = get_user_model()
        account_ids = [
            uid
            for uid in Champion.objects.filter(pk__in=found.rows.get(Champion, set()))
            .values_list("user_id", flat=True)
            .distinct()
            if uid
        ]
        enquiries = enquiries_for(person=person)
        enquiry_ids = set(enquiries.values_list("pk", flat=True))
        _clear_audit_values(ClosedRouteEnquiry, enquiry_ids)
        _forget_admin_log(ClosedRouteEnquiry, enquiry_ids)
        # Rows that would only be unlinked (SET_NULL) must go too, so delete every row that
        # belongs to the person explicitly, then the person. Their delete entries say what
        # went, without the values.
        with audit_without_values():
            count(enquiries.delete()[1])
            for model, ids in reversed(list(found.items())):
                count(model._default_manager.filter(pk__in=ids).delete()[1])
            count(Person.objects.filter(pk=person.pk).delete()[1])
        record.row_counts = counts
        record.save()
        for account in User.objects.filter(pk__in=account_ids):
            _forget_admin_log(User, {account.pk})
            _clear_audit_values(User, {account.pk})
            _scrub_account(account, record.reference)
        audit_record(
            user=user,
            action=AuditLog.Action.ERASE,
            obj=record,
            person_id=person.pk,
            detail=f"{record.reference} {reason_category} rows={record.rows_removed}",
        )
    logger.info(
        "Erasure %s: %s rows removed (%s)", record.reference, record.rows_removed, reason_category
    )
    return record
