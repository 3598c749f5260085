"""Booking appointments on the person's page, and a link worker's own appointments as an
iCalendar file.

The calendar file is meant to be imported into a work calendar, which often syncs to a phone:
each event says only "Appointment (socialrx)", how (in person, phone, video) and the person's
reference number, never their name, contact details or the place (a place can be a home
address). The link worker opens the record in socialrx to see who it is."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from socialrx.access import role_required
from socialrx.http import SignedInRequest, form_add_service_errors
from socialrx.models import Role

from ..forms.tasks import AppointmentForm
from ..models import Appointment
from ..selectors.casework import person_for_page
from ..selectors.tasks import appointments_for
from ..services.appointments import appointment_book
from .casework import _person_page

casework_view = role_required(Role.LINK_WORKER)
# How far back the calendar file reaches: recent appointments stay in the calendar.
CALENDAR_PAST_DAYS = 30
APPOINTMENT_MINUTES = 45


@casework_view
@require_POST
def appointment_create(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_page(user=request.user, pk=pk)
    form = AppointmentForm(request.POST)
    if form.is_valid():
        try:
            appointment_book(
                person=person,
                kind=form.cleaned_data["kind"],
                starts_at=form.starts_at(),
                mode=form.cleaned_data["mode"],
                place=form.cleaned_data["place"],
                link_worker=request.user if request.user.role == Role.LINK_WORKER else None,
                by=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
            if "starts_at" in getattr(exc, "error_dict", {}):
                form.add_error("on", exc.error_dict["starts_at"][0].messages[0])
        else:
            messages.success(request, "Appointment booked.")
            return redirect(reverse("referrals:person", kwargs={"pk": person.pk}) + "#appointments")
    return _person_page(request, person, appointment_form=form)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(appointment: Appointment, *, stamp: dt.datetime, host: str) -> list[str]:
    reference = appointment.person.person_ref or str(appointment.person_id)
    ends = appointment.starts_at + dt.timedelta(minutes=APPOINTMENT_MINUTES)
    return [
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.pk}@{host}",
        f"DTSTAMP:{_ics_time(stamp)}",
        f"DTSTART:{_ics_time(appointment.starts_at)}",
        f"DTEND:{_ics_time(ends)}",
        "SUMMARY:Appointment (socialrx)",
        "DESCRIPTION:"
        + _ics_text(
            f"{appointment.get_kind_display()}, {appointment.get_mode_display().lower()}. "
            f"Person reference {reference}: open socialrx to see who."
        ),
        "END:VEVENT",
    ]


@casework_view
@require_GET
def calendar_ics(request: SignedInRequest) -> HttpResponse:
    """The signed-in link worker's own appointments, from 30 days ago on."""
    now = timezone.now()
    appointments = appointments_for(user=request.user).filter(
        starts_at__gte=now - dt.timedelta(days=CALENDAR_PAST_DAYS)
    )
    host = request.get_host().split(":")[0]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//socialrx//appointments//EN"]
    for appointment in appointments:
        lines.extend(_event(appointment, stamp=now, host=host))
    lines.append("END:VCALENDAR")
    response = HttpResponse(
        "\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointments.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
