"""Practice staff see only what they typed and their own practice's people. Another practice's
patient is never attached, shown as a duplicate or named back to them (pages or API); the match
becomes a possible match for a link worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.models import Person, PossibleMatchOn, Referral
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

NHS = "9434765919"
CREATE = reverse("referrals:practice_referral_create")
API = reverse("api_referral_create")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def elsewhere(practice_b, other_link_worker):
    """A patient of practice B, on team B's caseload."""
    person = PersonFactory(
        practice=practice_b,
        link_worker=other_link_worker,
        given_name="Olwen",
        family_name="Hartley",
        date_of_birth=dt.date(1941, 7, 9),
        nhs_number=NHS,
        postcode="LS1 4AP",
        email="olwen@example.org",
    )
    ReferralFactory(person=person, link_worker=other_link_worker)
    return person


def form_data(**kw):
    data = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "date_of_birth": "1960-05-17",
        "nhs_number": "",
        "postcode": "M1 1AE",
        "phone": "07700 900123",
        "communication_needs": "",
        "reason": "Lonely since her husband died.",
        "consent_confirmed": "on",
        "consent_share_with_group": "yes",
        "consent_deidentified_figures": "yes",
    }
    data.update(kw)
    return data


def _unchanged(person: Person) -> tuple:
    person.refresh_from_db()
    return (person.email, person.phone, person.practice_id, person.referrals.count())


def test_another_practices_nhs_number_is_not_attached_or_shown(
    client_for, practice_staff, practice_a, elsewhere, link_worker
):
    before = _unchanged(elsewhere)
    client = client_for(practice_staff)
    response = client.post(CREATE, form_data(nhs_number=NHS))
    assert response.status_code == 302
    referral = Referral.objects.get(referring_practice=practice_a)
    assert referral.person != elsewhere and _unchanged(elsewhere) == before
    assert referral.possible_match == elsewhere
    assert referral.possible_match_on == PossibleMatchOn.NHS_NUMBER
    assert referral.person.nhs_number is None  # the number is someone else's record
    assert referral.entered_nhs_number == NHS

    for url in (
        response["Location"],
        reverse("referrals:practice_referral_detail", args=[referral.pk]),
        reverse("referrals:practice_referrals"),
    ):
        content = client.get(url).content.decode()
        assert "Olwen" not in content and "Hartley" not in content
        assert "9 July 1941" not in content and "North link workers" not in content
        assert "Ben Other" not in content
    detail = client.get(reverse("referrals:practice_referral_detail", args=[referral.pk]))
    assert "Jo Bloggs" in detail.content.decode()  # what they typed


def test_the_api_does_not_attach_or_name_another_practices_patient(
    practice_staff, practice_a, elsewhere, link_worker
):
    before = _unchanged(elsewhere)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=practice_staff).key}")
    body = {
        "person": {"given_name": "Jo", "date_of_birth": "1960-05-17", "nhs_number": NHS},
        "reason": "Isolated",
        "consent_confirmed": True,
    }
    response = client.post(API, body, format="json")
    assert response.status_code == 201
    answer = response.json()
    assert answer["team"] != "North link workers" and answer["link_worker"] != "Ben Other"
    referral = Referral.objects.get(pk=answer["id"])
    assert referral.person != elsewhere and referral.possible_match == elsewhere
    assert _unchanged(elsewhere) == before
    status = client.get(reverse("api_referral_detail", args=[referral.pk])).json()
    assert status["team"] != "North link workers"


def test_duplicate_warning_shows_only_the_practices_own_people(
    client_for, practice_staff, practice_a, practice_b
):
    PersonFactory(practice=practice_b, given_name="Jo", family_name="Bloggs", postcode="LS1 4AP")
    PersonFactory(practice=None, given_name="Jo", family_name="Bloggs", postcode="LS2 7UE")
    response = client_for(practice_staff).post(CREATE, form_data())
    assert response.status_code == 302  # no warning: no one of theirs
    assert "may already be known" not in response.content.decode()
    referral = Referral.objects.get(referring_practice=practice_a)
    assert referral.possible_match is None  # different postcodes: not even possible

    own = PersonFactory(practice=practice_a, given_name="Jo", family_name="Bloggs")
    warned = client_for(practice_staff).post(CREATE, form_data(reason="Again"))
    content = warned.content.decode()
    assert "may already be known" in content
    assert f'value="{own.pk}"' in content
    assert "LS1" not in content and "Hill Top" not in content


def test_a_strict_match_at_another_practice_is_a_possible_match_for_the_link_worker(
    client_for, practice_staff, practice_a, practice_b, link_worker
):
    other = PersonFactory(
        practice=practice_b, given_name="Jo", family_name="Bloggs", postcode="M1 1AE"
    )
    client_for(practice_staff).post(CREATE, form_data())
    referral = Referral.objects.get(referring_practice=practice_a)
    assert referral.person != other and referral.possible_match == other
    page = client_for(link_worker).get(reverse("referrals:person", args=[referral.person_id]))
    assert "Possible match: same name, date of birth and postcode as Jo Bloggs" in (
        page.content.decode()
    )


def test_after_a_link_worker_confirms_the_practice_still_sees_only_what_it_typed(
    client_for, practice_staff, practice_a, elsewhere, link_worker
):
    client = client_for(practice_staff)
    confirmation = client.post(CREATE, form_data(nhs_number=NHS))["Location"]
    referral = Referral.objects.get(referring_practice=practice_a)
    client_for(link_worker).post(
        reverse("referrals:possible_match", args=[referral.pk]), {"decision": "confirm"}
    )
    referral.refresh_from_db()
    assert referral.person == elsewhere
    content = client.get(
        reverse("referrals:practice_referral_detail", args=[referral.pk])
    ).content.decode()
    assert "Jo Bloggs" in content
    assert "Olwen" not in content and "North link workers" not in content
    assert "Ben Other" not in content
    content = client.get(confirmation).content.decode()
    assert "North link workers" not in content and "Ben Other" not in content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=practice_staff).key}")
    status = api.get(reverse("api_referral_detail", args=[referral.pk])).json()
    assert status["team"] is None and status["link_worker"] is None


def test_own_practice_patient_is_still_matched_by_nhs_number(
    client_for, practice_staff, practice_a
):
    own = PersonFactory(practice=practice_a, nhs_number=NHS, given_name="Joanne")
    client_for(practice_staff).post(CREATE, form_data(nhs_number=NHS))
    referral = Referral.objects.get(referring_practice=practice_a)
    assert referral.person == own and referral.possible_match is None


def test_confirming_hands_the_referral_to_the_matched_persons_team(
    client_for,
    practice_staff,
    practice_a,
    elsewhere,
    link_worker,
    other_link_worker,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    client_for(practice_staff).post(CREATE, form_data(nhs_number=NHS))
    referral = Referral.objects.get(referring_practice=practice_a)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(link_worker).post(
            reverse("referrals:possible_match", args=[referral.pk]), {"decision": "confirm"}
        )
    referral.refresh_from_db()
    assert referral.link_worker == other_link_worker and referral.team == elsewhere.practice.team
    assert [m.to for m in mailoutbox] == [[other_link_worker.email]]
    assert (
        client_for(link_worker).get(reverse("referrals:person", args=[elsewhere.pk])).status_code
        == 404
    )  # another team's case: still out of the first link worker's scope
