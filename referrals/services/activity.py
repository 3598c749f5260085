"""What every change to a case does besides the change itself: it moves the person up the
caseload. (The audit log is written by the models themselves: ``socialrx.audited``.)"""

from __future__ import annotations

from django.utils import timezone

from ..models import Person


def person_touch(person: Person) -> None:
    """Newest activity first on the caseload. ``last_activity_at`` is bookkeeping, not audited."""
    person.last_activity_at = timezone.now()
    person.save(update_fields=["last_activity_at"])
