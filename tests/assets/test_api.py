"""The directory API: public read, paginated, and the Open Referral UK-style export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assets.models import ListingStatus
from socialrx.models import Postcode
from tests.assets.factories import AssetFactory, OrganisationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_directory_api_is_public_and_paginated(anon_client):
    for i in range(3):
        AssetFactory(name=f"Group {i}")
    AssetFactory(name="Waiting", listing_status=ListingStatus.PENDING)
    response = anon_client.get("/api/v1/directory/?page_size=2")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [r["name"] for r in data["results"]] == ["Group 0", "Group 1"]
    assert data["next"]


def test_directory_api_shows_listing_fields_but_never_keepers(anon_client, kept_asset, volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save()
    data = anon_client.get("/api/v1/directory/").json()["results"][0]
    assert data["name"] == "Riverside walking group"
    assert data["sessions"] == [
        {"weekday": 2, "day": "Wednesday", "starts_at": "10:30:00", "ends_at": None}
    ]
    assert data["citizen_led"] is True
    assert data["not_confirmed_recently"] is False
    assert "eve@example.org" not in str(data)
    assert "maintainers" not in data


def test_directory_api_searches_like_the_page(anon_client):
    Postcode.objects.create(postcode="M11AE", latitude=53.4808, longitude=-2.2426)
    Postcode.objects.create(postcode="M144PX", latitude=53.4490, longitude=-2.2200)
    AssetFactory(name="Far choir", postcode="M14 4PX", category="music_singing")
    AssetFactory(name="Near choir", postcode="M1 1AE", category="music_singing")
    AssetFactory(name="Garden", postcode="M1 1AE")
    data = anon_client.get("/api/v1/directory/?category=music_singing&postcode=M11AE").json()
    assert [r["name"] for r in data["results"]] == ["Near choir", "Far choir"]
    assert data["results"][0]["distance_miles"] == 0
    assert 2 < data["results"][1]["distance_miles"] < 3


def test_directory_api_bad_input_uses_the_error_shape(anon_client):
    response = anon_client.get("/api/v1/directory/?postcode=XYZ&day=9")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert set(error["fields"]) == {"postcode", "day"}


def test_directory_api_query_count(anon_client, django_assert_max_num_queries):
    org = OrganisationFactory()
    for i in range(15):
        SessionFactory(asset=AssetFactory(name=f"G{i}", organisation=org))
    with django_assert_max_num_queries(3):
        response = anon_client.get("/api/v1/directory/")
    assert response.json()["count"] == 15


def test_openreferral_export_shape(anon_client):
    org = OrganisationFactory(name="Friends of the Park", website="https://park.example.org")
    asset = AssetFactory(
        name="Park walk",
        organisation=org,
        venue_name="Park gates",
        is_free=False,
        cost="£1",
        step_free=True,
        languages="English, Polish",
        contact_phone="0161 000 0000",
        last_confirmed_at=timezone.now() - dt.timedelta(days=3),
    )
    SessionFactory(asset=asset, weekday=5, starts_at=dt.time(9, 0), ends_at=dt.time(10, 0))
    response = anon_client.get("/api/v1/directory/openreferral/")
    assert response.status_code == 200
    page = response.json()
    assert page["totalElements"] == 1
    assert page["first"] is True and page["last"] is True
    service = page["content"][0]
    assert service["name"] == "Park walk"
    assert service["organization"]["name"] == "Friends of the Park"
    assert service["organization"]["url"] == "https://park.example.org"
    assert service["status"] == "active"
    assert service["cost_options"][0]["amount_description"] == "£1"
    assert [x["language"] for x in service["languages"]] == ["English", "Polish"]
    schedule = service["regular_schedules"][0]
    assert (schedule["freq"], schedule["byday"], schedule["opens_at"], schedule["closes_at"]) == (
        "WEEKLY",
        "SA",
        "09:00",
        "10:00",
    )
    location = service["service_at_locations"][0]["location"]
    assert location["physical_addresses"][0]["postal_code"] == "M1 1AE"
    assert location["accessibility_for_disabilities"][0]["accessibility"] == "Step-free access"
    assert service["service_taxonomys"][0]["taxonomy"]["id"] == "green_nature"
    assert service["contacts"][0]["phones"][0]["number"] == "0161 000 0000"
    assert service["assured_date"] == str(asset.last_confirmed_at.date())


def test_openreferral_export_pages_and_rejects_bad_paging(anon_client):
    for i in range(3):
        AssetFactory(name=f"G{i}")
    page = anon_client.get("/api/v1/directory/openreferral/?page=2&per_page=2").json()
    assert page["totalPages"] == 2
    assert page["last"] is True
    assert len(page["content"]) == 1
    assert anon_client.get("/api/v1/directory/openreferral/?page=x").status_code == 400


def test_openreferral_query_count(anon_client, django_assert_max_num_queries):
    for i in range(12):
        SessionFactory(asset=AssetFactory(name=f"G{i}", organisation=OrganisationFactory()))
    with django_assert_max_num_queries(3):
        anon_client.get("/api/v1/directory/openreferral/")


def test_schema_describes_the_directory_api(client_for, admin_user):
    schema = client_for(admin_user).get("/api/schema/").content.decode()
    assert "/api/v1/directory/:" in schema
    assert "/api/v1/directory/openreferral/:" in schema
    assert "regular_schedules" in schema


def test_openreferral_v1_export_names_its_v3_successor_with_the_same_ids(anon_client):
    asset = AssetFactory()
    response = anon_client.get("/api/v1/directory/openreferral/")
    assert response["Link"] == ('<http://testserver/api/oruk/v3/services>; rel="successor-version"')
    assert response.json()["content"][0]["id"] == str(asset.oruk_id)
    v3 = anon_client.get("/api/oruk/v3/services").json()
    assert v3["contents"][0]["id"] == str(asset.oruk_id)
