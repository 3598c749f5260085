"""The public form never changes an existing record: a match is a possible match that a link
worker of the referral's team confirms (the referral moves to that person, with the typed
details they choose) or rejects (the referral's own record stands as a new person)."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from referrals.models import CaseNote, Person, PossibleMatchOn, Referral
from referrals.services import possible_matches
from socialrx.models import AuditLog
from tests.referrals.factories import PersonFactory, ReferralFactory

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
        "email": "new.address@example.org",
        "date_of_birth": "1958-02-03",
        "postcode": "M1 1AE",
        "practice": "",
        "reason": "I would like to meet people.",
        "communication_needs": "Needs an interpreter (Polish)",
        "website": "",
        "consent_confirmed": "on",
        "consent_share_with_group": "yes",
        "consent_deidentified_figures": "yes",
    }
    data.update(kw)
    return data


@pytest.fixture
def sam(practice_a, link_worker):
    """Someone already on the caseload, whose details the public could type."""
    person = PersonFactory(
        practice=practice_a,
        link_worker=link_worker,
        given_name="Sam",
        family_name="Rivers",
        date_of_birth=dt.date(1958, 2, 3),
        postcode="M1 1AE",
        phone="0161 496 0000",
        email="sam.rivers@example.org",
        communication_needs="Large print letters",
    )
    ReferralFactory(person=person, link_worker=link_worker)
    return person


@pytest.fixture
def asked(anon_client, sam, practice_a) -> Referral:
    """A self-referral typed with Sam's name, date of birth and postcode, for practice A."""
    response = anon_client.post(ASK, ask_data(practice=str(practice_a.pk)))
    assert response.status_code == 302
    return Referral.objects.exclude(person=sam).get()


def _stable(content: bytes) -> str:
    text = re.sub(r'(nonce|value|content)="[^"]*"', "", content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", text)


def _snapshot(person: Person) -> tuple:
    person.refresh_from_db()
    return (
        person.email,
        person.phone,
        person.postcode,
        person.communication_needs,
        person.referrals.count(),
    )


# --- the public form -------------------------------------------------------------------------


def test_self_referral_never_changes_an_existing_record(anon_client, sam):
    before = _snapshot(sam)
    response = anon_client.post(ASK, ask_data())
    assert response["Location"] == DONE
    assert _snapshot(sam) == before  # no email replaced, no needs appended, no referral added
    referral = Referral.objects.exclude(person=sam).get()
    assert referral.possible_match == sam
    assert referral.possible_match_on == PossibleMatchOn.NAME_DOB_POSTCODE
    # What was typed stays on the referral (and on its own record), not on Sam's.
    assert referral.entered_email == "new.address@example.org"
    assert referral.entered_communication_needs == "Needs an interpreter (Polish)"
    assert referral.person.email == "new.address@example.org"
    assert not AuditLog.objects.filter(
        object_type="referrals.person", object_id=str(sam.pk), action=AuditLog.Action.UPDATE
    ).exists()


def test_the_public_answer_is_the_same_with_or_without_a_match(anon_client, sam):
    matched = anon_client.post(ASK, ask_data(), follow=True)
    unmatched = anon_client.post(ASK, ask_data(given_name="Alex", family_name="Noone"), follow=True)
    assert matched.redirect_chain == unmatched.redirect_chain == [(DONE, 302)]
    # The same page but for per-response values (CSP nonce, CSRF token).
    assert _stable(matched.content) == _stable(unmatched.content)
    assert b"Rivers" not in matched.content


def test_no_possible_match_without_the_same_postcode(anon_client, sam):
    anon_client.post(ASK, ask_data(postcode="LS1 4AP"))
    assert Referral.objects.exclude(person=sam).get().possible_match is None


# --- the link worker sees it -----------------------------------------------------------------


def test_link_worker_sees_the_possible_match_on_caseload_and_record(
    client_for, link_worker, asked, sam
):
    client = client_for(link_worker)
    caseload = client.get(reverse("referrals:caseload")).content.decode()
    assert "Possible match" in caseload
    page = client.get(reverse("referrals:person", args=[asked.person_id])).content.decode()
    assert "Possible match: same name, date of birth and postcode as Sam Rivers" in page
    assert reverse("referrals:possible_match", args=[asked.pk]) in page
    check = client.get(reverse("referrals:possible_match", args=[asked.pk]))
    assert check.status_code == 200
    assert "new.address@example.org" in check.content.decode()


def test_confirm_attaches_and_copies_only_the_chosen_details(client_for, link_worker, asked, sam):
    own_record = asked.person_id
    CaseNote.objects.create(person_id=own_record, text="Called back", by=link_worker)
    response = client_for(link_worker).post(
        reverse("referrals:possible_match", args=[asked.pk]),
        {"decision": "confirm", "copy": ["email", "communication_needs"]},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:person", args=[sam.pk])
    asked.refresh_from_db()
    sam.refresh_from_db()
    assert asked.person == sam and asked.possible_match is None
    assert sam.email == "new.address@example.org"  # chosen
    assert sam.phone == "0161 496 0000"  # not chosen: kept
    assert sam.communication_needs == "Large print letters\nNeeds an interpreter (Polish)"
    assert not Person.objects.filter(pk=own_record).exists()  # one person, one record
    assert CaseNote.objects.get().person == sam  # nothing recorded meanwhile is lost
    entries = AuditLog.objects.filter(user=link_worker, action=AuditLog.Action.UPDATE)
    assert entries.filter(object_type="referrals.referral", object_id=str(asked.pk)).exists()
    copied = entries.get(object_type="referrals.person", object_id=str(sam.pk))
    assert "email" in copied.detail and "new.address" not in copied.detail
    assert AuditLog.objects.filter(
        action=AuditLog.Action.DELETE, object_id=str(own_record), user=link_worker
    ).exists()


def test_reject_keeps_a_new_person_from_the_typed_details(client_for, link_worker, asked, sam):
    before = _snapshot(sam)
    response = client_for(link_worker).post(
        reverse("referrals:possible_match", args=[asked.pk]), {"decision": "reject"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.possible_match is None and asked.person != sam
    assert asked.person.email == "new.address@example.org"
    assert asked.person.communication_needs == "Needs an interpreter (Polish)"
    assert _snapshot(sam) == before
    assert AuditLog.objects.filter(
        user=link_worker,
        object_type="referrals.referral",
        object_id=str(asked.pk),
        detail__startswith="possible match rejected",
    ).exists()
    # Settled: asking again finds nothing.
    again = client_for(link_worker).get(reverse("referrals:possible_match", args=[asked.pk]))
    assert again.status_code == 404


def test_no_decision_is_explained_and_changes_nothing(client_for, link_worker, asked, sam):
    before = _snapshot(sam)
    response = client_for(link_worker).post(
        reverse("referrals:possible_match", args=[asked.pk]), {"copy": ["email"]}
    )
    assert response.status_code == 200
    assert "Choose whether this is the same person" in response.content.decode()
    assert "nhsuk-error-summary" in response.content.decode()
    asked.refresh_from_db()
    assert asked.possible_match == sam and _snapshot(sam) == before


def test_copying_something_not_offered_is_refused(client_for, link_worker, asked, sam):
    before = _snapshot(sam)
    response = client_for(link_worker).post(
        reverse("referrals:possible_match", args=[asked.pk]),
        {"decision": "confirm", "copy": ["nhs_number"]},
    )
    assert response.status_code == 200
    asked.refresh_from_db()
    assert asked.possible_match == sam and _snapshot(sam) == before


@pytest.mark.parametrize(
    "persona", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_only_the_referrals_team_may_settle_it(request, client_for, asked, sam, persona):
    user = request.getfixturevalue(persona)
    url = reverse("referrals:possible_match", args=[asked.pk])
    client = client_for(user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "confirm", "copy": ["email"]}).status_code == 404
    asked.refresh_from_db()
    assert asked.possible_match == sam and asked.person != sam


def test_anonymous_is_sent_to_sign_in(anon_client, asked):
    response = anon_client.get(reverse("referrals:possible_match", args=[asked.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_administrator_may_settle_it(client_for, admin_user, asked, sam):
    response = client_for(admin_user).post(
        reverse("referrals:possible_match", args=[asked.pk]), {"decision": "confirm"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.person == sam


def test_asking_twice_points_at_the_same_existing_record(anon_client, sam):
    anon_client.post(ASK, ask_data())
    anon_client.post(ASK, ask_data(reason="Asking again"))
    asked = Referral.objects.exclude(person=sam)
    assert asked.count() == 2
    assert {r.possible_match_id for r in asked} == {sam.pk}


@pytest.mark.django_db(transaction=True)
def test_two_link_workers_settling_at_once_settle_it_once(
    postgres_required, monkeypatch, link_worker, sam, practice_a
):
    """Two connections answer the same possible match at the same instant: one confirms, the
    other is told it has been dealt with (no error page, nothing done twice)."""
    Client().post(ASK, ask_data(practice=str(practice_a.pk)))
    asked = Referral.objects.exclude(person=sam).get()
    own_record = asked.person_id
    barrier = threading.Barrier(2, timeout=20)
    real_lock = possible_matches._locked_open_match

    def lock_together(referral):
        barrier.wait()
        return real_lock(referral)

    monkeypatch.setattr(possible_matches, "_locked_open_match", lock_together)
    answers: list = []

    def settle() -> None:
        try:
            client = Client()
            client.force_login(link_worker)
            answers.append(
                client.post(
                    reverse("referrals:possible_match", args=[asked.pk]),
                    {"decision": "confirm", "copy": ["email"]},
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=settle) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a.status_code for a in answers) == [200, 302]
    refused = next(a for a in answers if a.status_code == 200)
    assert "already been dealt with" in refused.content.decode()
    asked.refresh_from_db()
    assert asked.person == sam and not Person.objects.filter(pk=own_record).exists()
    assert AuditLog.objects.filter(detail__startswith="possible match confirmed: from").count() == 1
