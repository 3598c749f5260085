"""'Ask for a conversation': the public self-referral, its honeypot and its rate limit."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from referrals.models import ClosedRouteEnquiry, Person, Referral, Source
from tests.referrals.factories import PersonFactory

pytestmark = pytest.mark.django_db

ASK = reverse("referrals:self_referral")
DONE = reverse("referrals:self_referral_done")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def ask_data(**kw):
    data = {
        "given_name": "Sam",
        "family_name": "Rivers",
        "phone": "07700 900456",
        "email": "",
        "date_of_birth": "1958-02-03",
        "postcode": "M1 1AE",
        "practice": "",
        "reason": "I would like to meet people.",
        "communication_needs": "",
        "consent_confirmed": "on",
        "consent_share_with_group": "yes",
        "consent_deidentified_figures": "yes",
        "website": "",
    }
    data.update(kw)
    return data


def test_the_form_is_open_to_anyone_and_hides_the_honeypot(anon_client):
    response = anon_client.get(ASK)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Ask for a conversation" in content
    assert 'aria-hidden="true"' in content and 'name="website"' in content
    assert 'tabindex="-1"' in content


def test_asking_creates_a_self_referral(anon_client, practice_a, link_worker):
    response = anon_client.post(ASK, ask_data(practice=str(practice_a.pk)))
    assert response.status_code == 302 and response["Location"] == DONE
    referral = Referral.objects.get()
    assert referral.source == Source.SELF
    assert referral.referred_by is None and referral.referring_practice is None
    assert referral.consent_confirmed
    assert referral.person.practice == practice_a
    assert referral.link_worker == link_worker
    assert "we have your request" in anon_client.get(DONE).content.decode()


def test_signed_in_users_can_ask_too(client_for, volunteer):
    response = client_for(volunteer).post(ASK, ask_data())
    assert response.status_code == 302
    assert Referral.objects.get().referred_by is None


def test_needs_a_way_to_contact_them(anon_client):
    response = anon_client.post(ASK, ask_data(phone="", email=""))
    content = response.content.decode()
    assert "Enter a phone number or an email address" in content
    assert "nhsuk-error-summary" in content
    assert Person.objects.count() == 0 and Referral.objects.count() == 0


def test_bad_postcode_is_explained(anon_client):
    response = anon_client.post(ASK, ask_data(postcode="12345"))
    assert "Enter a full UK postcode" in response.content.decode()
    assert Referral.objects.count() == 0


def test_honeypot_gets_the_same_page_and_saves_nothing(anon_client):
    response = anon_client.post(ASK, ask_data(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == DONE
    assert Person.objects.count() == 0 and Referral.objects.count() == 0
    assert ClosedRouteEnquiry.objects.count() == 0


def test_rate_limit_per_address(settings, anon_client, caplog):
    settings.SELF_REFERRAL_RATE_LIMIT = 2
    caplog.set_level(logging.DEBUG)
    for _ in range(2):
        assert anon_client.post(ASK, ask_data(), REMOTE_ADDR="203.0.113.9").status_code == 302
    blocked = anon_client.post(ASK, ask_data(), REMOTE_ADDR="203.0.113.9")
    assert blocked.status_code == 429
    assert "try again later" in blocked.content.decode().lower()
    assert Referral.objects.count() == 2
    # Another address is not affected.
    assert anon_client.post(ASK, ask_data(), REMOTE_ADDR="203.0.113.10").status_code == 302
    assert Referral.objects.count() == 3
    assert "203.0.113.9" not in caplog.text


def test_no_match_without_the_same_postcode(anon_client, practice_a):
    PersonFactory(practice=practice_a, given_name="Sam", family_name="Rivers", postcode="LS1 4AP")
    anon_client.post(ASK, ask_data(date_of_birth="1960-05-17"))
    assert Person.objects.count() == 2


def test_closed_self_referral_route_keeps_the_enquiry(settings, anon_client):
    settings.REFERRAL_ROUTES_OPEN = ["gp"]
    response = anon_client.post(ASK, ask_data(), follow=True)
    content = response.content.decode()
    assert "passed to the service's administrators" in content or "passed on" in content
    enquiry = ClosedRouteEnquiry.objects.get()
    assert enquiry.route == Source.SELF and enquiry.submitted_by is None
    assert enquiry.data["reason"] == "I would like to meet people."
    assert "website" not in enquiry.data
    assert Referral.objects.count() == 0
