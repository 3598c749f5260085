"""Appointments: booked on the person's page, listed on "My day", exported as a calendar file
that names no one."""

from __future__ import annotations

import collections
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Appointment, AppointmentKind, AppointmentMode
from referrals.selectors.tasks import appointment_places, my_day

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def _book(client, person, **data):
    payload = {
        "kind": AppointmentKind.CONVERSATION,
        "on": TOMORROW.isoformat(),
        "at": "10:30",
        "mode": AppointmentMode.IN_PERSON,
        "place": "Riverside Centre",
        **data,
    }
    return client.post(reverse("referrals:appointment_create", args=[person.pk]), payload)


@pytest.fixture
def appointment(person, referral, link_worker):
    return Appointment.objects.create(
        person=person,
        referral=referral,
        link_worker=link_worker,
        kind=AppointmentKind.FOLLOW_UP,
        starts_at=timezone.now() + dt.timedelta(days=2),
        mode=AppointmentMode.PHONE,
    )


def test_book_appointment_shows_on_person_page_and_my_day(
    person, referral, link_worker, client_for
):
    client = client_for(link_worker)
    response = _book(client, person)
    assert response.status_code == 302
    appointment = Appointment.objects.get(person=person)
    assert appointment.link_worker == link_worker and appointment.referral == referral
    assert timezone.localtime(appointment.starts_at).time() == dt.time(10, 30)
    assert appointment.place == "Riverside Centre"
    assert "Riverside Centre" in client.get(response.url).content.decode()
    assert my_day(user=link_worker, today=timezone.localdate()).appointments == [appointment]
    page = client.get(reverse("referrals:my_day")).content.decode()
    assert "Upcoming appointments (1)" in page and person.full_name in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"on": (TOMORROW - dt.timedelta(days=2)).isoformat()}, "must be in the future"),
        ({"on": ""}, "Enter the date"),
        ({"at": "25:99"}, "Enter a valid time"),
        ({"place": ""}, "Enter where you will meet"),
        ({"mode": "carrier pigeon"}, "Select a valid choice"),
        ({"kind": ""}, "Choose what the appointment is for"),
    ],
)
def test_bad_appointment_is_refused_with_a_message(data, message, person, link_worker, client_for):
    response = _book(client_for(link_worker), person, **data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "nhsuk-error-summary" in text and message in text
    assert not Appointment.objects.exists()


def test_phone_appointment_needs_no_place(person, link_worker, client_for):
    _book(client_for(link_worker), person, mode=AppointmentMode.PHONE, place="")
    assert Appointment.objects.get().place == ""


@pytest.mark.parametrize(
    "role", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_others_cannot_book(role, request, person, client_for):
    response = _book(client_for(request.getfixturevalue(role)), person)
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_anonymous_is_sent_to_sign_in(person, anon_client):
    for response in (
        _book(anon_client, person),
        anon_client.get(reverse("referrals:calendar_ics")),
    ):
        assert response.status_code == 302 and reverse("login") in response.url
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("role", ["practice_staff", "volunteer", "commissioner"])
def test_calendar_is_for_link_workers_only(role, request, client_for):
    response = client_for(request.getfixturevalue(role)).get(reverse("referrals:calendar_ics"))
    assert response.status_code == 404


def test_calendar_names_no_one_and_has_only_own_appointments(
    appointment, person, other_person, link_worker, other_link_worker, client_for
):
    Appointment.objects.create(
        person=other_person,
        link_worker=other_link_worker,
        kind=AppointmentKind.CONVERSATION,
        starts_at=timezone.now() + dt.timedelta(days=1),
        mode=AppointmentMode.VIDEO,
    )
    response = client_for(link_worker).get(reverse("referrals:calendar_ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Appointment (socialrx)" in text
    assert f"Person reference {person.pk}" in text
    for private in (person.given_name, person.family_name, other_person.family_name):
        assert private not in text
    other = client_for(other_link_worker).get(reverse("referrals:calendar_ics")).content.decode()
    assert other.count("BEGIN:VEVENT") == 1 and person.family_name not in other


def test_the_person_page_has_no_duplicate_ids(client_for, link_worker, person):
    """Several forms share the page: each label must point at its own field."""
    html = client_for(link_worker).get(reverse("referrals:person", args=[person.pk])).content
    ids = re.findall(r'\sid="([^"]+)"', html.decode())
    assert [k for k, n in collections.Counter(ids).items() if n > 1] == []
    assert 'for="appointment_kind"' in html.decode()


def test_booking_offers_the_teams_practices_and_places_it_has_used(
    client_for, link_worker, person, practice_a
):
    _book(client_for(link_worker), person, place="Library, room 2")
    _book(client_for(link_worker), person, place="Library, room 2", at="14:00")
    assert appointment_places(team_id=person.team_id) == [practice_a.name, "Library, room 2"]
    html = client_for(link_worker).get(reverse("referrals:person", args=[person.pk])).content
    assert b'<option value="Library, room 2">' in html
    assert b'list="appointment-places"' in html
    assert appointment_places(team_id=None) == []
