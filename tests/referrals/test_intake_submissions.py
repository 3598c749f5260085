"""One submission, one record: each intake form carries a one-time token and the API takes an
Idempotency-Key; a repeat gets the first answer. On PostgreSQL, two requests racing with the
same token (or the same NHS number) still make one referral and one person, and the loser
gets the winner's page rather than an error."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.models import Person, Referral
from referrals.services import intake as intake_service
from referrals.services.intake import (
    ReferralDetails,
    ReferralMade,
    referral_intake,
    submission_key_for,
)
from referrals.services.matching import Matching, PersonDetails
from tests.referrals.factories import PersonFactory

NHS = "9434765919"
CREATE = reverse("referrals:practice_referral_create")
ASK = reverse("referrals:self_referral")
API = reverse("api_referral_create")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def practice_form(token: str, **kw) -> dict:
    data = {
        "submission_token": token,
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


def ask_form(token: str, **kw) -> dict:
    data = {
        "submission_token": token,
        "given_name": "Sam",
        "family_name": "Rivers",
        "phone": "07700 900456",
        "email": "",
        "date_of_birth": "1958-02-03",
        "postcode": "M1 1AE",
        "practice": "",
        "reason": "I would like to meet people.",
        "communication_needs": "",
        "website": "",
        "consent_confirmed": "on",
        "consent_share_with_group": "yes",
        "consent_deidentified_figures": "yes",
    }
    data.update(kw)
    return data


def token_in(page: bytes) -> str:
    found = re.search(rb'name="submission_token" value="([^"]+)"', page)
    assert found, "the form carries no submission token"
    return found.group(1).decode()


def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


API_BODY = {
    "person": {"given_name": "Jo", "date_of_birth": "1960-05-17", "postcode": "M1 1AE"},
    "reason": "Isolated",
    "consent_confirmed": True,
}


# --- the token logic (any database) ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url,persona",
    [
        (CREATE, "practice_staff"),
        (ASK, None),
        (reverse("referrals:other_referral_create"), "link_worker"),
        (reverse("referrals:community_referral_create"), "volunteer"),
    ],
)
def test_every_intake_form_carries_a_fresh_one_time_token(
    request, client_for, anon_client, url, persona
):
    client = client_for(request.getfixturevalue(persona)) if persona else anon_client
    first = token_in(client.get(url).content)
    second = token_in(client.get(url).content)
    assert first != second and len(first) >= 20


@pytest.mark.django_db
def test_the_practice_form_posted_twice_makes_one_referral(client_for, practice_staff):
    client = client_for(practice_staff)
    token = token_in(client.get(CREATE).content)
    first = client.post(CREATE, practice_form(token))
    second = client.post(CREATE, practice_form(token))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]  # the same confirmation page
    assert Referral.objects.count() == 1 and Person.objects.count() == 1
    # A new form (a new token) is a new referral.
    fresh = token_in(client.get(CREATE).content)
    client.post(CREATE, practice_form(fresh, given_name="Alex", family_name="Other"))
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_the_public_form_posted_twice_makes_one_referral(anon_client):
    token = token_in(anon_client.get(ASK).content)
    anon_client.post(ASK, ask_form(token))
    again = anon_client.post(ASK, ask_form(token))
    assert again["Location"] == reverse("referrals:self_referral_done")
    assert Referral.objects.count() == 1 and Person.objects.count() == 1


@pytest.mark.django_db
def test_the_duplicate_question_keeps_the_token(client_for, practice_staff, practice_a):
    PersonFactory(practice=practice_a, given_name="Jo", family_name="Bloggs")
    client = client_for(practice_staff)
    asked = client.post(CREATE, practice_form("tok-123"))
    assert token_in(asked.content) == "tok-123"
    client.post(CREATE, practice_form("tok-123", duplicate_choice="new"))
    client.post(CREATE, practice_form("tok-123", duplicate_choice="new"))
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_api_replay_with_the_same_idempotency_key_returns_the_first_answer(practice_staff):
    client = api_client(practice_staff)
    first = client.post(API, API_BODY, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    second = client.post(API, API_BODY, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Referral.objects.count() == 1
    other = client.post(API, API_BODY, format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    assert other.json()["id"] != first.json()["id"]
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_a_key_is_only_ever_replayed_for_whoever_sent_it(practice_staff, other_practice_staff):
    mine = api_client(practice_staff).post(API, API_BODY, format="json", HTTP_IDEMPOTENCY_KEY="k")
    theirs = api_client(other_practice_staff).post(
        API, API_BODY, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != mine.json()["id"]
    assert submission_key_for(token="k", by=practice_staff) != submission_key_for(
        token="k", by=other_practice_staff
    )
    assert submission_key_for(token="k", by=None) != submission_key_for(
        token="k", by=practice_staff
    )


@pytest.mark.django_db
def test_an_overlong_idempotency_key_is_refused_and_saves_nothing(practice_staff):
    response = api_client(practice_staff).post(
        API, API_BODY, format="json", HTTP_IDEMPOTENCY_KEY="x" * 201
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in str(response.json())
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_the_loser_of_the_unique_key_gets_the_winners_referral(practice_staff, monkeypatch):
    """The service's own check passed in both requests; the constraint decides."""
    details = PersonDetails(given_name="Jo", family_name="Bloggs", postcode="M1 1AE")

    def send():
        return referral_intake(
            route="",
            person=details,
            referral=ReferralDetails(reason="r", consent_confirmed=True),
            by=practice_staff,
            matching=Matching.AUTOMATIC,
            enquiry_data={},
            submission_token="same",
        )

    first = send()
    monkeypatch.setattr(intake_service, "referral_for_submission", _found_after_failure())
    second = send()
    assert isinstance(second, ReferralMade) and second.replayed
    assert second.referral == first.referral
    assert Referral.objects.count() == 1 and Person.objects.count() == 1


def _found_after_failure():
    """Pretend the first look-up ran before the other request committed."""
    calls = {"n": 0}

    def look_up(*, key):
        calls["n"] += 1
        if calls["n"] == 1:
            return None
        return Referral.objects.filter(submission_key=key).first()

    return look_up


# --- database constraints and real races (PostgreSQL) ----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_person_with_an_nhs_number(postgres_required):
    Person.objects.create(given_name="A", nhs_number=NHS)
    Person.objects.create(given_name="B", nhs_number=None)
    Person.objects.create(given_name="C", nhs_number=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        # A queryset update skips the model's checks: only the index stands in the way.
        Person.objects.filter(given_name="B").update(nhs_number=NHS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'person_nhs_number_unique'"
        )
        (definition,) = cursor.fetchone()
    assert "UNIQUE" in definition and "WHERE" in definition


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_referral_for_a_submission(postgres_required):
    person = Person.objects.create(given_name="A")
    Referral.objects.create(person=person, received_on="2026-01-01", submission_key="k" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(person=person, received_on="2026-01-01", submission_key="k" * 64)


def _race(monkeypatch, send_one):
    """Run ``send_one`` in two threads (two database connections), both past the service's
    own check for an earlier submission before either writes."""
    barrier = threading.Barrier(2, timeout=20)
    real_match = intake_service.person_match

    def match_then_wait(**kwargs):
        found = real_match(**kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(intake_service, "person_match", match_then_wait)
    results: list = [None, None]
    errors: list = []

    def run(i: int) -> None:
        try:
            results[i] = send_one()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_a_double_click_race_on_the_practice_form_makes_one_person_and_referral(
    postgres_required, monkeypatch, practice_staff
):
    def send():
        client = Client()
        client.force_login(practice_staff)
        return client.post(CREATE, practice_form("double-click"))

    first, second = _race(monkeypatch, send)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Referral.objects.count() == 1 and Person.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_public_posts_make_one_person(postgres_required, monkeypatch):
    def send():
        return Client().post(ASK, ask_form("same-page"))

    first, second = _race(monkeypatch, send)
    done = reverse("referrals:self_referral_done")
    assert first["Location"] == second["Location"] == done
    assert Referral.objects.count() == 1 and Person.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_api_calls_with_one_idempotency_key_at_once_make_one_referral(
    postgres_required, monkeypatch, practice_staff
):
    api_client(practice_staff)  # the token, before the threads

    def send():
        return api_client(practice_staff).post(
            API,
            {**API_BODY, "person": {**API_BODY["person"], "nhs_number": NHS}},
            format="json",
            HTTP_IDEMPOTENCY_KEY="retry",
        )

    first, second = _race(monkeypatch, send)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Referral.objects.count() == 1 and Person.objects.count() == 1
