"""What every change to a case does besides the change itself: it moves the person up the
caseload and is written to the audit log (ids and field names only, never values)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from socialrx.audit import audit_record

from ..models import Person


def person_touch(person: Person) -> None:
    """Newest activity first on the caseload."""
    person.last_activity_at = timezone.now()
    person.save(update_fields=["last_activity_at"])


def case_audit(*, by: Any, action: str, obj: Any, person: Person, detail: str = "") -> None:
    audit_record(user=by, action=action, obj=obj, person_id=person.pk, detail=detail)
