"""Case notes on a person's record."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from socialrx.audit import acting_user

from ..models import CaseNote, Person
from ..selectors.casework import referral_open_for
from .activity import person_touch


@acting_user("by")
def case_note_add(*, person: Person, text: str, by: Any) -> CaseNote:
    if not text.strip():
        raise ValidationError("Enter the note", code="note_required")
    with transaction.atomic():
        note = CaseNote.objects.create(
            person=person,
            referral=referral_open_for(person=person),
            text=text.strip(),
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        person_touch(person)
    return note
