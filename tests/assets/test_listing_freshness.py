"""Listings nobody confirms: "not confirmed recently" after LISTING_STALE_DAYS, then hidden
from the public (search, page, leaflet, printed directory, API) after LISTING_HIDE_DAYS until
confirmed; link workers and administrators still see them, marked; keepers still reach them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assets.models import Asset
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db

PUBLIC = ["anon", "other_volunteer", "practice_staff", "commissioner"]
STAFF_WHO_SEE = ["link_worker", "admin_user"]


def _client(request, client_for, persona):
    if persona == "anon":
        return request.getfixturevalue("anon_client")
    return client_for(request.getfixturevalue(persona))


def _age(asset: Asset, days: int) -> None:
    Asset.objects.filter(pk=asset.pk).update(
        last_confirmed_at=timezone.now() - dt.timedelta(days=days)
    )


@pytest.fixture
def old_asset(kept_asset):
    _age(kept_asset, 400)
    return kept_asset


@pytest.mark.parametrize("persona", PUBLIC + STAFF_WHO_SEE)
def test_stale_listing_says_not_confirmed_recently_to_everyone(
    request, client_for, persona, kept_asset
):
    _age(kept_asset, 120)
    client = _client(request, client_for, persona)
    page = client.get(f"/directory/listings/{kept_asset.pk}/").content.decode()
    assert "Not confirmed recently" in page
    results = client.get("/directory/", {"q": "Riverside"}).content.decode()
    assert "Riverside walking group" in results
    assert "Not confirmed recently" in results


@pytest.mark.parametrize("persona", PUBLIC)
def test_listing_unconfirmed_too_long_is_hidden_from_the_public(
    request, client_for, persona, old_asset
):
    AssetFactory(name="Fresh group", last_confirmed_at=timezone.now())
    client = _client(request, client_for, persona)
    response = client.get(f"/directory/listings/{old_asset.pk}/")
    assert response.status_code == 404
    assert "This listing is being checked" in response.content.decode()
    assert "Riverside" not in response.content.decode()
    results = client.get("/directory/").content.decode()
    assert "Fresh group" in results
    assert "Riverside walking group" not in results
    assert client.get(f"/directory/{old_asset.pk}/leaflet/").status_code == 404
    assert "Riverside walking group" not in client.get("/directory/print/").content.decode()


@pytest.mark.parametrize("persona", STAFF_WHO_SEE)
def test_link_workers_and_admins_still_see_it_marked(request, client_for, persona, old_asset):
    client = _client(request, client_for, persona)
    page = client.get(f"/directory/listings/{old_asset.pk}/")
    assert page.status_code == 200
    assert "hidden from the public" in page.content.decode()
    results = client.get("/directory/").content.decode()
    assert "Riverside walking group" in results
    assert "hidden from the public" in results


def test_its_keeper_still_reaches_it_to_confirm(client_for, volunteer, old_asset):
    client = client_for(volunteer)
    page = client.get(f"/directory/listings/{old_asset.pk}/")
    assert page.status_code == 200
    assert "hidden from the public" in page.content.decode()
    assert "Riverside walking group" in client.get("/directory/mine/").content.decode()


def test_confirming_brings_it_back(client_for, volunteer, anon_client, old_asset):
    assert anon_client.get(f"/directory/listings/{old_asset.pk}/").status_code == 404
    client_for(volunteer).post(f"/directory/listings/{old_asset.pk}/confirm/")
    assert anon_client.get(f"/directory/listings/{old_asset.pk}/").status_code == 200
    assert "Riverside walking group" in anon_client.get("/directory/").content.decode()


def test_the_public_api_and_export_leave_it_out(anon_client, old_asset):
    AssetFactory(name="Fresh group", last_confirmed_at=timezone.now())
    names = [r["name"] for r in anon_client.get("/api/v1/directory/").json()["results"]]
    assert names == ["Fresh group"]
    content = anon_client.get("/api/v1/directory/openreferral/").json()["content"]
    assert [s["name"] for s in content] == ["Fresh group"]


def test_never_confirmed_counts_from_when_it_was_listed(anon_client):
    asset = AssetFactory(name="Old never confirmed", last_confirmed_at=None)
    Asset.objects.filter(pk=asset.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    assert anon_client.get(f"/directory/listings/{asset.pk}/").status_code == 404


def test_hide_days_is_a_setting(settings, anon_client, kept_asset):
    _age(kept_asset, 120)
    assert anon_client.get(f"/directory/listings/{kept_asset.pk}/").status_code == 200
    settings.LISTING_HIDE_DAYS = 100
    assert anon_client.get(f"/directory/listings/{kept_asset.pk}/").status_code == 404
