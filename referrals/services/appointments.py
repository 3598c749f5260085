"""Booking a conversation or follow-up with a person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from socialrx.audit import acting_user

from ..models import Appointment, AppointmentKind, AppointmentMode, Person
from ..selectors.casework import referral_open_for


@acting_user("by")
def appointment_book(
    *,
    person: Person,
    kind: str,
    starts_at: dt.datetime,
    mode: str,
    by: Any,
    place: str = "",
    link_worker: Any = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Book an appointment, for the booking link worker (else the person's named one). It must
    be in the future; a meeting in person says where."""
    errors: dict[str, str] = {}
    if kind not in AppointmentKind.values:
        errors["kind"] = "Choose what the appointment is for"
    if mode not in AppointmentMode.values:
        errors["mode"] = "Choose how you will meet"
    place = place.strip()
    if mode == AppointmentMode.IN_PERSON and not place:
        errors["place"] = "Enter where you will meet"
    if starts_at <= (now or timezone.now()):
        errors["starts_at"] = "The appointment must be in the future"
    if errors:
        raise ValidationError(errors, code="appointment")
    if link_worker is None:
        link_worker = person.link_worker
    return Appointment.objects.create(
        person=person,
        referral=referral_open_for(person=person),
        link_worker=link_worker,
        kind=kind,
        starts_at=starts_at,
        mode=mode,
        place=place if mode == AppointmentMode.IN_PERSON else "",
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
