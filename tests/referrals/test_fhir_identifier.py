"""A ServiceRequest's identifier is the referring practice's: the same identifier makes one
referral whoever at the practice sends it (at once, too, on PostgreSQL); another practice's
identifier with the same value is its own; every read of the ServiceRequest and its Task gives
it back as sent."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from referrals.models import Person, Referral
from referrals.services import intake as intake_service
from referrals.services.intake import submission_key_for
from tests.referrals.test_fhir import fhir_valid, post, service_request, token_client
from tests.socialrx.factories import AdminFactory, PracticeStaffFactory

SYSTEM = "https://gp-system.example/referrals"


@pytest.fixture
def colleague(practice_a):
    """A second user (another API client) of the same practice."""
    return PracticeStaffFactory(username="gp_kim", practice=practice_a, staff_type="gp")


@pytest.mark.django_db
def test_two_users_of_one_practice_sending_one_identifier_make_one_referral(
    practice_staff, colleague, practice_a
):
    first = post(token_client(practice_staff), service_request(identifier="R-1"))
    again = post(token_client(colleague), service_request(identifier="R-1"))
    assert first.status_code == 201, first.json()
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert again["Location"] == first["Location"]
    body = fhir_valid(again.json())
    assert body["identifier"] == [{"system": SYSTEM, "value": "R-1"}]
    referral = Referral.objects.get()
    assert (referral.sender_identifier_system, referral.sender_identifier_value) == (SYSTEM, "R-1")


@pytest.mark.django_db
def test_a_colleague_sending_the_identifier_with_another_referral_is_refused(
    practice_staff, colleague, practice_a
):
    assert post(token_client(practice_staff), service_request()).status_code == 201
    changed = service_request()
    changed["reasonCode"] = [{"text": "Something else"}]
    response = post(token_client(colleague), changed)
    assert response.status_code == 422
    outcome = fhir_valid(response.json())
    assert outcome["issue"][0]["code"] == "duplicate"
    assert outcome["issue"][0]["expression"] == ["ServiceRequest.identifier[0]"]
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_another_practice_may_use_the_same_identifier(
    practice_staff, other_practice_staff, practice_a, practice_b
):
    ours = post(token_client(practice_staff), service_request(identifier="R-1"))
    theirs = post(
        token_client(other_practice_staff), service_request(identifier="R-1", ods="B00002")
    )
    assert ours.status_code == theirs.status_code == 201, theirs.json()
    assert ours.json()["id"] != theirs.json()["id"]
    assert set(Referral.objects.values_list("referring_practice__ods_code", flat=True)) == {
        "A00001",
        "B00002",
    }


@pytest.mark.django_db
def test_an_administrator_sending_one_identifier_for_two_practices_makes_two_referrals(
    admin_user, practice_a, practice_b
):
    client = token_client(admin_user)
    for_a = post(client, service_request(identifier="R-1", ods="A00001"))
    for_b = post(client, service_request(identifier="R-1", ods="B00002"))
    again_a = post(client, service_request(identifier="R-1", ods="A00001"))
    assert (for_a.status_code, for_b.status_code, again_a.status_code) == (201, 201, 200)
    assert again_a.json()["id"] == for_a.json()["id"] != for_b.json()["id"]
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_the_service_request_and_task_give_the_identifier_back(
    practice_staff, colleague, practice_a
):
    made = post(token_client(practice_staff), service_request(identifier="R-7")).json()
    client = token_client(colleague)
    read = fhir_valid(client.get(f"/fhir/ServiceRequest/{made['id']}").json())
    assert read["identifier"] == [{"system": SYSTEM, "value": "R-7"}]
    task = fhir_valid(client.get(f"/fhir/Task/{made['id']}").json())
    assert task["basedOn"] == [
        {
            "reference": f"ServiceRequest/{made['id']}",
            "identifier": {"system": SYSTEM, "value": "R-7"},
        }
    ]
    found = fhir_valid(
        client.get("/fhir/Task", {"based-on": f"ServiceRequest/{made['id']}"}).json()
    )
    assert found["entry"][0]["resource"]["basedOn"] == task["basedOn"]


@pytest.mark.django_db
def test_without_an_identifier_every_post_is_a_new_referral_and_none_is_given_back(
    practice_staff, colleague, practice_a
):
    sent = service_request()
    del sent["identifier"]
    first = post(token_client(practice_staff), sent)
    second = post(token_client(colleague), sent)
    assert first.status_code == second.status_code == 201
    assert "identifier" not in fhir_valid(first.json())
    task = fhir_valid(token_client(practice_staff).get(f"/fhir/Task/{first.json()['id']}").json())
    assert "identifier" not in task["basedOn"][0]
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_the_rest_api_idempotency_key_stays_per_user(practice_staff, colleague, practice_a):
    """The FHIR identifier is the practice's; the REST API's Idempotency-Key stays the
    sender's own (stored hashed with who sent it)."""
    body = {
        "person": {"given_name": "Jo", "family_name": "Bloggs", "postcode": "M1 1AE"},
        "reason": "Isolated",
        "consent_confirmed": True,
    }
    answers = [
        token_client(user).post(
            "/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        for user in (practice_staff, colleague)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert Referral.objects.count() == 2
    assert not Referral.objects.exclude(sender_identifier_value="").exists()


@pytest.mark.django_db
def test_a_referral_sent_before_identifiers_were_kept_takes_its_identifier_when_resent(
    practice_staff, colleague, practice_a
):
    made = post(token_client(practice_staff), service_request(identifier="R-old")).json()
    # As it was kept before: only the identifier hashed with its sender.
    Referral.objects.filter(pk=made["id"]).update(
        sender_identifier_system="",
        sender_identifier_value="",
        submission_key=submission_key_for(token=f"fhir:{SYSTEM}|R-old", by=practice_staff),
    )
    again = post(token_client(practice_staff), service_request(identifier="R-old"))
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    assert fhir_valid(again.json())["identifier"] == [{"system": SYSTEM, "value": "R-old"}]
    by_colleague = post(token_client(colleague), service_request(identifier="R-old"))
    assert by_colleague.status_code == 200 and by_colleague.json()["id"] == made["id"]
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_django_admin_finds_a_referral_by_the_practices_identifier_and_cannot_change_it(
    client_for, practice_staff, practice_a
):
    made = post(token_client(practice_staff), service_request(identifier="R-42")).json()
    client = client_for(AdminFactory(username="root", is_superuser=True))
    found = client.get(reverse("admin:referrals_referral_changelist"), {"q": "R-42"})
    assert f"/referrals/referral/{made['id']}/change/" in found.content.decode()
    page = client.get(reverse("admin:referrals_referral_change", args=[made["id"]]))
    content = page.content.decode()
    assert "R-42" in content and 'name="sender_identifier_value"' not in content


# --- PostgreSQL: the constraint, and two users at once -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_one_identifier_twice_for_a_practice(postgres_required, practice_a):
    person = Person.objects.create(given_name="A")
    fields = {
        "person": person,
        "received_on": "2026-01-01",
        "referring_practice": practice_a,
        "sender_identifier_system": SYSTEM,
        "sender_identifier_value": "R-1",
    }
    Referral.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(**fields)
    # Referrals without an identifier are not held to it.
    Referral.objects.create(
        **{**fields, "sender_identifier_value": "", "sender_identifier_system": ""}
    )
    Referral.objects.create(
        **{**fields, "sender_identifier_value": "", "sender_identifier_system": ""}
    )


@pytest.mark.django_db(transaction=True)
def test_two_users_of_one_practice_posting_one_identifier_at_once_make_one_referral(
    postgres_required, monkeypatch, practice_staff, colleague, practice_a
):
    clients = [token_client(practice_staff), token_client(colleague)]  # tokens first
    barrier = threading.Barrier(2, timeout=20)
    real_match = intake_service.person_match

    def match_then_wait(**kwargs):
        # Both requests are past the service's own look-up before either writes.
        found = real_match(**kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(intake_service, "person_match", match_then_wait)
    results: list = [None, None]
    errors: list = []

    def run(i: int) -> None:
        try:
            results[i] = post(clients[i], service_request(identifier="R-race"))
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
    assert sorted(r.status_code for r in results) == [200, 201], [r.json() for r in results]
    assert results[0].json()["id"] == results[1].json()["id"]
    assert Referral.objects.count() == 1 and Person.objects.count() == 1
