"""Contact consent: the volunteer login email is the one message the system sends to someone
who was referred, and it goes only to people who agree to be contacted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from champions.models import Champion, VolunteerInvitation
from referrals.models import ConsentPurpose
from socialrx.models import User
from tests.champions.factories import ChampionFactory
from tests.referrals.factories import ConsentFactory, PersonFactory

pytestmark = pytest.mark.django_db

ACCEPTED_WITH_LOGIN = {
    "role": "health_champion",
    "state": "accepted",
    "consent_confirmed": "on",
    "login_email": "new.volunteer@example.org",
}


def _invite(client, person, capture):
    with capture(execute=True):
        return client.post(reverse("champions:invite", args=[person.pk]), ACCEPTED_WITH_LOGIN)


def test_no_login_email_without_agreement_to_contact(
    client_for, link_worker, practice_a, mailoutbox, django_capture_on_commit_callbacks
):
    person = PersonFactory(practice=practice_a)  # never asked about contact
    response = _invite(client_for(link_worker), person, django_capture_on_commit_callbacks)
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert "They have not agreed to be contacted" in content
    assert mailoutbox == []
    assert not User.objects.filter(username="new.volunteer@example.org").exists()
    assert not Champion.objects.exists() and not VolunteerInvitation.objects.exists()


def test_a_later_no_to_contact_stops_the_login_email(
    client_for, link_worker, person_a, mailoutbox, django_capture_on_commit_callbacks
):
    ConsentFactory(
        person=person_a,
        purpose=ConsentPurpose.CONTACT,
        given=False,
        recorded_at=dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=1),
    )
    response = _invite(client_for(link_worker), person_a, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert mailoutbox == []
    assert not Champion.objects.exists()


def test_login_email_is_sent_with_agreement_to_contact(
    client_for, link_worker, person_a, mailoutbox, django_capture_on_commit_callbacks
):
    response = _invite(client_for(link_worker), person_a, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["new.volunteer@example.org"]]


def test_becoming_a_volunteer_without_a_login_needs_no_contact_consent(
    client_for, link_worker, practice_a
):
    person = PersonFactory(practice=practice_a)
    data = {**ACCEPTED_WITH_LOGIN, "login_email": ""}
    response = client_for(link_worker).post(reverse("champions:invite", args=[person.pk]), data)
    assert response.status_code == 302
    assert Champion.objects.get().person == person


def test_administrator_cannot_mail_a_login_to_a_referred_volunteer_without_consent(
    client_for, admin_user, practice_a, mailoutbox, django_capture_on_commit_callbacks
):
    champion = ChampionFactory(person=PersonFactory(practice=practice_a), email="v@example.org")
    url = reverse("champions:login_create", args=[champion.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(url, {"email": "v@example.org"})
    assert response.status_code == 200
    assert "They have not agreed to be contacted" in response.content.decode()
    assert mailoutbox == []
    champion.refresh_from_db()
    assert champion.user is None


def test_a_volunteer_who_was_never_referred_gets_their_login(
    client_for, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    champion = ChampionFactory(email="w@example.org")
    url = reverse("champions:login_create", args=[champion.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(url, {"email": "w@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
