from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from funding.services import capacity_snapshot
from tests.funding.world import funding_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(commissioner, volunteer):
    return funding_world(commissioner=commissioner, volunteer=volunteer)


def _api(user=None):
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_awards_commissioner_sees_all(world, commissioner):
    response = _api(commissioner).get(reverse("funding-awards"))
    assert response.status_code == 200
    recipients = {a["recipient"] for a in response.json()}
    assert recipients == {"Big charity", "Small group"}


def test_awards_keeper_sees_only_their_groups(world, volunteer):
    response = _api(volunteer).get(reverse("funding-awards"))
    assert [a["recipient"] for a in response.json()] == ["Small group"]
    assert response.json()[0]["amount"] == "500.00"


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff"])
def test_awards_other_roles_get_404(world, persona, request):
    user = request.getfixturevalue(persona)
    assert _api(user).get(reverse("funding-awards")).status_code == 404


def test_awards_anonymous_gets_401(world):
    assert _api().get(reverse("funding-awards")).status_code == 401


def test_capacity_withholds_small_counts_for_commissioners(world, commissioner, admin_user):
    response = _api(commissioner).get(reverse("funding-capacity"), {"month": "2026-04"})
    assert response.status_code == 200
    craft = next(r for r in response.json() if r["name"] == "Craft circle")
    assert craft["values"]["received"] is None
    assert craft["suppressed"] is True
    exact = _api(admin_user).get(reverse("funding-capacity"), {"month": "2026-04"}).json()
    craft = next(r for r in exact if r["name"] == "Craft circle")
    assert craft["values"]["received"] == 3
    assert craft["suppressed"] is False


def test_capacity_keeper_sees_their_own_listings_exactly(world, volunteer):
    rows = _api(volunteer).get(reverse("funding-capacity"), {"month": "2026-04"}).json()
    assert [r["name"] for r in rows] == ["Craft circle"]
    assert rows[0]["values"]["received"] == 3


def test_capacity_needs_a_month(world, commissioner):
    response = _api(commissioner).get(reverse("funding-capacity"), {"month": "April"})
    assert response.status_code == 400
    assert "month" in response.json()["error"]["fields"]


def test_capacity_reads_the_nightly_rows(commissioner, admin_user):
    capacity_snapshot(month=dt.date(2026, 3, 1))
    assert _api(admin_user).get(reverse("funding-capacity"), {"month": "2026-03"}).json() == []


def test_summary_for_commissioners(world, commissioner):
    response = _api(commissioner).get(
        reverse("funding-summary"), {"first": "2026-01", "last": "2026-06"}
    )
    assert response.status_code == 200
    data = response.json()
    big = next(o for o in data["organisations"] if o["organisation"] == "Big charity")
    assert big["funding"] == 5950.68
    assert data["started"]["groups"] is None and data["started"]["suppressed"] is True
    assert data["staffing"]["benchmark_referrals_per_fte_per_year"] == 250
    assert data["staffing"]["per_10000"] == 1.0


def test_summary_is_not_for_keepers(world, volunteer):
    response = _api(volunteer).get(
        reverse("funding-summary"), {"first": "2026-01", "last": "2026-06"}
    )
    assert response.status_code == 404


def test_summary_refuses_a_backwards_period(world, admin_user):
    response = _api(admin_user).get(
        reverse("funding-summary"), {"first": "2026-06", "last": "2026-01"}
    )
    assert response.status_code == 400
    assert "last" in response.json()["error"]["fields"]


def test_schema_describes_the_funding_endpoints(admin_user, client_for):
    schema = client_for(admin_user).get(reverse("schema")).content.decode()
    for path in (
        "/api/v1/funding/awards/",
        "/api/v1/funding/capacity/",
        "/api/v1/funding/summary/",
    ):
        assert path in schema


def test_schema_has_no_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
