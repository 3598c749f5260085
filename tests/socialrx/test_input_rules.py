"""One set of input rules (socialrx/validators.py) on every route: pages, the API and imports
take and refuse the same values, bad input changes nothing, and the API answers anonymous
callers with 401 (docs/security.md, "Input rules")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets.models import ListingStatus
from referrals.models import Connection, Person, Referral
from referrals.services.connections import connection_make
from socialrx.validators import (
    EARLIEST_DATE_OF_BIRTH,
    FREE_TEXT_MAX_LENGTH,
    validate_date_of_birth,
    validate_not_in_future,
)
from tests.assets.factories import AssetFactory
from tests.referrals.factories import PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + dt.timedelta(days=1)
TOO_EARLY = EARLIEST_DATE_OF_BIRTH - dt.timedelta(days=1)


# --- the validators ------------------------------------------------------------------------


def test_date_of_birth_runs_from_1900_to_today():
    validate_date_of_birth(EARLIEST_DATE_OF_BIRTH)
    validate_date_of_birth(TODAY)
    validate_date_of_birth(None)
    for bad in (TOO_EARLY, TOMORROW):
        with pytest.raises(ValidationError):
            validate_date_of_birth(bad)


def test_event_dates_are_today_or_earlier():
    validate_not_in_future(TODAY)
    validate_not_in_future(None)
    with pytest.raises(ValidationError, match="today or in the past"):
        validate_not_in_future(TOMORROW)


# --- dates of birth on every route ---------------------------------------------------------


def _practice_form(**kw):
    return {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "date_of_birth": "1960-05-17",
        "nhs_number": "",
        "postcode": "m1 1ae",
        "phone": "",
        "communication_needs": "",
        "reason": "Lonely.",
        "consent_confirmed": "on",
        **kw,
    }


@pytest.mark.parametrize("bad", [TOO_EARLY, TOMORROW], ids=["1899", "tomorrow"])
def test_practice_referral_form_refuses_an_impossible_date_of_birth(
    client_for, practice_staff, bad
):
    response = client_for(practice_staff).post(
        reverse("referrals:practice_referral_create"), _practice_form(date_of_birth=bad)
    )
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.parametrize("bad", [TOO_EARLY, TOMORROW], ids=["1899", "tomorrow"])
def test_person_details_form_refuses_an_impossible_date_of_birth(
    client_for, link_worker, practice_a, bad
):
    person = PersonFactory(practice=practice_a, link_worker=link_worker)
    before = person.date_of_birth
    response = client_for(link_worker).post(
        reverse("referrals:person_edit", args=[person.pk]),
        {"given_name": "Maria", "family_name": "Quinn", "date_of_birth": bad.isoformat()},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "nhsuk-error-summary" in content
    assert "Date of birth must be in the past" in content or "1 January 1900" in content
    person.refresh_from_db()
    assert person.date_of_birth == before


def _token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _api_referral(**kw):
    person = {"given_name": "Jo", "family_name": "Bloggs", "date_of_birth": "1960-05-17"}
    person.update(kw.pop("person", {}))
    return {"person": person, "reason": "Isolated", "consent_confirmed": True, **kw}


@pytest.mark.parametrize("bad", [TOO_EARLY, TOMORROW], ids=["1899", "tomorrow"])
def test_api_refuses_an_impossible_date_of_birth(practice_staff, bad):
    response = _token_client(practice_staff).post(
        reverse("api_referral_create"),
        _api_referral(person={"date_of_birth": bad.isoformat()}),
        format="json",
    )
    assert response.status_code == 400
    assert "date_of_birth" in response.json()["error"]["fields"]["person"]
    assert not Person.objects.exists() and not Referral.objects.exists()


# --- free text is bounded ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        _api_referral(reason="x" * (2 * 1024 * 1024)),
        _api_referral(reason="x" * (FREE_TEXT_MAX_LENGTH + 1)),
        _api_referral(person={"communication_needs": "x" * (FREE_TEXT_MAX_LENGTH + 1)}),
    ],
    ids=["2MB reason", "reason one over", "communication needs one over"],
)
def test_api_refuses_free_text_over_the_limit(practice_staff, body):
    response = _token_client(practice_staff).post(
        reverse("api_referral_create"), body, format="json"
    )
    assert response.status_code == 400
    assert f"no more than {FREE_TEXT_MAX_LENGTH} characters" in str(
        response.json()["error"]["fields"]
    )
    assert not Referral.objects.exists()


def test_api_takes_free_text_up_to_the_limit(practice_staff, link_worker):
    response = _token_client(practice_staff).post(
        reverse("api_referral_create"),
        _api_referral(reason="x" * FREE_TEXT_MAX_LENGTH),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert len(Referral.objects.get().reason) == FREE_TEXT_MAX_LENGTH


def test_form_refuses_free_text_over_the_limit(client_for, practice_staff):
    response = client_for(practice_staff).post(
        reverse("referrals:practice_referral_create"),
        _practice_form(reason="x" * (FREE_TEXT_MAX_LENGTH + 1)),
    )
    assert response.status_code == 200
    assert f"at most {FREE_TEXT_MAX_LENGTH:,}" in response.content.decode() or (
        f"at most {FREE_TEXT_MAX_LENGTH}" in response.content.decode()
    )
    assert not Referral.objects.exists()


def test_every_free_text_field_of_the_referral_api_has_a_limit():
    """A new free-text input added to the API without max_length fails here."""
    from rest_framework import serializers

    from referrals.api import ReferralCreateApi

    def walk(serializer, path=""):
        for name, field in serializer.fields.items():
            if isinstance(field, serializers.Serializer):
                yield from walk(field, f"{path}{name}.")
            elif type(field) is serializers.CharField:
                yield f"{path}{name}", field.max_length

    found = dict(walk(ReferralCreateApi.ReferralCreateInputSerializer()))
    assert found, "no text fields found"
    unbounded = [name for name, limit in found.items() if limit is None]
    assert not unbounded
    assert all(limit <= FREE_TEXT_MAX_LENGTH for limit in found.values())


# --- connections only to approved listings -------------------------------------------------


@pytest.mark.parametrize("status", [ListingStatus.REJECTED, ListingStatus.PENDING])
def test_no_connection_to_a_listing_that_is_not_approved(link_worker, practice_a, status):
    person = PersonFactory(practice=practice_a, link_worker=link_worker)
    asset = AssetFactory(listing_status=status)
    with pytest.raises(ValidationError, match="not in the directory"):
        connection_make(
            person=person, asset=asset, kind="signposted", made_on=TODAY, by=link_worker
        )
    assert not Connection.objects.exists()


def test_connection_page_refuses_a_rejected_listing(client_for, link_worker, practice_a):
    person = PersonFactory(practice=practice_a, link_worker=link_worker)
    asset = AssetFactory(listing_status=ListingStatus.REJECTED)
    response = client_for(link_worker).post(
        reverse("referrals:connection_create", args=[person.pk]),
        {"asset": asset.pk, "kind": "signposted", "made_on": TODAY.isoformat(), "confirm": "on"},
    )
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    assert not Connection.objects.exists()


# --- anonymous API calls -------------------------------------------------------------------

# API endpoints anyone may call without signing in: the public directory (open data), the
# schema and its documentation page. Every other /api/ endpoint answers 401.
PUBLIC_API = {
    "api_directory",
    "api_directory_openreferral",
    "schema",
    "api-docs",
    "oruk_root",
    "oruk_services",
    "oruk_service",
    "oruk_service_at_locations",
    "oruk_service_at_location",
    "oruk_taxonomies",
    "oruk_taxonomy",
    "oruk_taxonomy_terms",
    "oruk_taxonomy_term",
}

SAMPLE_KWARGS = {"pk": 1, "metric": "friends", "id": "1"}


def _api_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_patterns(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            yield entry.name, route


API_PATTERNS = sorted(_api_patterns())


def test_the_api_has_endpoints_to_check():
    names = {name for name, _ in API_PATTERNS}
    assert {"api_referral_create", "api_referral_detail", "metric-list"} <= names


@pytest.mark.parametrize(("name", "route"), API_PATTERNS, ids=[n for n, _ in API_PATTERNS])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_api_calls_get_401_with_a_challenge(name, route, method, practice_a):
    import re

    kwargs = {key: SAMPLE_KWARGS[key] for key in re.findall(r"<(?:\w+:)?(\w+)>", route)}
    url = reverse(name, kwargs=kwargs)
    response = getattr(APIClient(), method)(url, {}, format="json")
    if name in PUBLIC_API:
        # Open to anyone: a sample id that names nothing is "not found", never 401.
        assert response.status_code in {200, 404, 405}, (url, response.status_code)
        return
    assert response.status_code == 401, (url, response.status_code)
    assert response["WWW-Authenticate"].startswith("Token")
