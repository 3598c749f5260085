"""The referral intake API: token auth, scope, bad input and the one error shape."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.models import ClosedRouteEnquiry, Person, Referral, ReferralStatusChange, Source
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

URL = reverse("api_referral_create")
NHS = "9434765919"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def payload(**kw):
    data = {
        "person": {
            "given_name": "Jo",
            "family_name": "Bloggs",
            "date_of_birth": "1960-05-17",
            "nhs_number": "943 476 5919",
            "postcode": "m1 1ae",
            "phone": "07700 900123",
        },
        "reason": "Isolated",
        "consent_confirmed": True,
    }
    data.update(kw)
    return data


def detail_url(pk: int) -> str:
    return reverse("api_referral_detail", args=[pk])


def test_practice_token_creates_a_referral_for_its_practice(
    practice_staff, practice_a, link_worker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(practice_staff).post(URL, payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    referral = Referral.objects.get()
    assert body["id"] == referral.pk
    assert body["status"] == "received" and body["source"] == "gp"
    assert body["link_worker"] == "Anna Link"
    assert body["status_history"][0]["to_status"] == "received"
    assert "person" not in body  # status only, no personal data
    assert referral.referring_practice == practice_a
    assert referral.person.practice == practice_a
    assert referral.person.nhs_number == NHS
    assert ReferralStatusChange.objects.filter(referral=referral).count() == 1
    assert len(mailoutbox) == 1


def test_practice_token_matches_own_practice_person_by_nhs_number(practice_staff, practice_a):
    existing = PersonFactory(practice=practice_a, nhs_number=NHS, given_name="Joanne")
    response = token_client(practice_staff).post(URL, payload(), format="json")
    assert response.status_code == 201
    assert Referral.objects.get().person == existing
    assert Person.objects.count() == 1


def test_receptionist_defaults_to_practice_staff_source(other_practice_staff):
    response = token_client(other_practice_staff).post(URL, payload(), format="json")
    assert response.json()["source"] == "practice_staff"


def test_practice_token_cannot_use_other_routes_or_practices(practice_staff, practice_b):
    client = token_client(practice_staff)
    response = client.post(URL, payload(source="self"), format="json")
    assert response.status_code == 400
    assert "source" in response.json()["error"]["fields"]
    response = client.post(
        URL, payload(referring_practice_ods_code=practice_b.ods_code), format="json"
    )
    assert response.status_code == 400
    assert Referral.objects.count() == 0


def test_admin_may_post_any_route_with_practices_by_ods_code(admin_user, practice_a, link_worker):
    response = token_client(admin_user).post(
        URL,
        payload(
            source="other",
            person={"given_name": "Al", "postcode": "M1 1AE", "practice_ods_code": "a00001"},
            referrer={"name": "Kay", "organisation": "Housing Trust", "email": "kay@ht.example"},
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    referral = Referral.objects.get()
    assert referral.source == Source.OTHER
    assert referral.person.practice == practice_a
    assert referral.referrer_organisation == "Housing Trust"
    assert referral.link_worker == link_worker


def test_admin_must_name_the_route_and_a_real_practice(admin_user):
    client = token_client(admin_user)
    assert "source" in client.post(URL, payload(), format="json").json()["error"]["fields"]
    response = client.post(
        URL,
        payload(source="other", person={"given_name": "Al", "practice_ods_code": "ZZZ"}),
        format="json",
    )
    assert response.status_code == 400
    assert Referral.objects.count() == 0


@pytest.mark.parametrize("persona", ["link_worker", "volunteer", "commissioner"])
def test_other_roles_may_not_refer_through_the_api(request, persona):
    response = token_client(request.getfixturevalue(persona)).post(URL, payload(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403
    assert Referral.objects.count() == 0


def test_no_token_is_unauthorised():
    response = APIClient().post(URL, payload(), format="json")
    assert response.status_code in (401, 403)
    assert "error" in response.json()
    assert Referral.objects.count() == 0


def test_invalid_nhs_number_is_400_with_field_message(practice_staff):
    bad = payload()
    bad["person"]["nhs_number"] = "9434765918"
    response = token_client(practice_staff).post(URL, bad, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert "valid 10-digit NHS number" in error["fields"]["person"]["nhs_number"][0]
    assert Person.objects.count() == 0 and Referral.objects.count() == 0


@pytest.mark.parametrize("consent", [False, None])
def test_missing_consent_is_400_and_nothing_saved(practice_staff, consent):
    data = payload(consent_confirmed=consent)
    if consent is None:
        del data["consent_confirmed"]
    response = token_client(practice_staff).post(URL, data, format="json")
    assert response.status_code == 400
    assert "consent_confirmed" in response.json()["error"]["fields"]
    assert Person.objects.count() == 0 and Referral.objects.count() == 0


def test_missing_name_and_bad_postcode(practice_staff):
    response = token_client(practice_staff).post(
        URL, payload(person={"postcode": "nowhere"}), format="json"
    )
    fields = response.json()["error"]["fields"]["person"]
    assert "given_name" in fields and "postcode" in fields
    assert Referral.objects.count() == 0


def test_closed_route_is_kept_as_enquiry(settings, practice_staff):
    settings.REFERRAL_ROUTES_OPEN = ["self"]
    response = token_client(practice_staff).post(URL, payload(), format="json")
    assert response.status_code == 202
    enquiry = ClosedRouteEnquiry.objects.get()
    assert response.json()["enquiry_id"] == enquiry.pk
    assert enquiry.route == "gp" and enquiry.data["person"]["given_name"] == "Jo"
    assert Referral.objects.count() == 0


# --- status look-up ------------------------------------------------------------------------


def test_status_for_own_practice_and_404_for_another(
    practice_staff, other_practice_staff, practice_a
):
    referral = ReferralFactory(person=PersonFactory(practice=practice_a), status="contacted")
    mine = token_client(practice_staff).get(detail_url(referral.pk))
    assert mine.status_code == 200 and mine.json()["status"] == "contacted"
    theirs = token_client(other_practice_staff).get(detail_url(referral.pk))
    assert theirs.status_code == 404
    assert theirs.json()["error"]["status"] == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("link_worker", 200),
        ("other_link_worker", 404),
        ("commissioner", 404),
        ("volunteer", 404),
        ("admin_user", 200),
    ],
)
def test_status_scope_by_role(request, practice_a, persona, expected):
    referral = ReferralFactory(person=PersonFactory(practice=practice_a))
    user = request.getfixturevalue(persona)
    assert token_client(user).get(detail_url(referral.pk)).status_code == expected


def test_schema_describes_the_endpoints(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    post = schema["paths"]["/api/v1/referrals/"]["post"]
    assert post["operationId"] == "referral_create"
    assert set(post["responses"]) >= {"201", "202", "400", "403"}
    assert "get" in schema["paths"]["/api/v1/referrals/{id}/"]


def test_created_answers_201_with_the_referrals_location(practice_staff, practice_a):
    response = token_client(practice_staff).post(URL, payload(), format="json")
    referral = Referral.objects.get()
    assert response.status_code == 201
    assert response["Location"] == "http://testserver" + detail_url(referral.pk)


def test_same_idempotency_key_and_body_gives_the_same_answer(practice_staff, practice_a):
    client = token_client(practice_staff)
    first = client.post(URL, payload(), format="json", HTTP_IDEMPOTENCY_KEY="gp-123")
    again = client.post(URL, payload(), format="json", HTTP_IDEMPOTENCY_KEY="gp-123")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first["Location"] == again["Location"]
    assert Referral.objects.count() == 1


def test_same_idempotency_key_with_another_referral_is_422_and_changes_nothing(
    practice_staff, practice_a
):
    client = token_client(practice_staff)
    client.post(URL, payload(), format="json", HTTP_IDEMPOTENCY_KEY="gp-124")
    other_reason = client.post(
        URL, payload(reason="Money worries"), format="json", HTTP_IDEMPOTENCY_KEY="gp-124"
    )
    other_person = payload()
    other_person["person"] = {**other_person["person"], "given_name": "Sam"}
    other_name = client.post(URL, other_person, format="json", HTTP_IDEMPOTENCY_KEY="gp-124")
    for response in (other_reason, other_name):
        assert response.status_code == 422
        assert "already used for a different referral" in response.json()["error"]["message"]
    assert Referral.objects.count() == 1
    assert Referral.objects.get().reason == "Isolated"


@pytest.mark.parametrize(
    "body",
    [
        {"nhs_numbr": "9434765919"},
        {"person_extra": True},
    ],
)
def test_an_unknown_field_is_400_and_makes_no_referral(practice_staff, practice_a, body):
    data = payload()
    if "nhs_numbr" in body:
        data["person"] = {**data["person"], **body}
    else:
        data.update(body)
    response = token_client(practice_staff).post(URL, data, format="json")
    assert response.status_code == 400
    text = str(response.json())
    assert ("nhs_numbr" in text) or ("person_extra" in text)
    assert "This field is not known." in text
    assert not Referral.objects.exists()
