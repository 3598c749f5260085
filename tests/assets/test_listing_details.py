"""Listings a person can act on: access (yes, no or not known), the first visit, who to ask
for, how to get there, languages; on the listing, the printed directory, the leaflet and the
API; kept by keepers on the edit form and asked for on the suggest form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assets.models import Asset, AssetChange, ListingStatus
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db

DETAILS = {
    "first_visit": "Someone will meet you at the gate. Wear old shoes.",
    "ask_for": "Jean, the organiser",
    "getting_there": "Bus 42 stops outside. Free parking behind the hall.",
    "languages": "English, Urdu",
}


def _edit_data(asset: Asset, **overrides: str) -> dict[str, str]:
    data = {
        "listing-name": asset.name,
        "listing-kind": asset.kind,
        "listing-category": asset.category,
        "listing-led_by": asset.led_by,
        "listing-description": asset.description,
        "listing-venue_name": asset.venue_name,
        "listing-postcode": asset.postcode,
        "listing-is_free": "on",
        "listing-languages": asset.languages,
        "listing-eligibility": asset.eligibility,
        "listing-capacity": asset.capacity,
        "listing-step_free": "unknown",
        "listing-hearing_loop": "unknown",
        "listing-accessible_toilet": "unknown",
        "listing-version": str(Asset.objects.get(pk=asset.pk).version),
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "14",
    }
    data.update(overrides)
    return data


@pytest.fixture
def detailed_asset(kept_asset):
    for name, value in DETAILS.items():
        setattr(kept_asset, name, value)
    kept_asset.step_free = True
    kept_asset.hearing_loop = False
    kept_asset.accessible_toilet = None
    kept_asset.save()
    return kept_asset


# --- the keeper edits them --------------------------------------------------------------------


def test_keeper_saves_the_new_details_and_the_history_records_them(
    client_for, volunteer, kept_asset
):
    data = _edit_data(
        kept_asset,
        **{f"listing-{k}": v for k, v in DETAILS.items()},
        **{"listing-step_free": "true", "listing-hearing_loop": "false"},
    )
    response = client_for(volunteer).post(f"/directory/listings/{kept_asset.pk}/edit/", data)
    assert response.status_code == 302
    kept_asset.refresh_from_db()
    assert kept_asset.first_visit == DETAILS["first_visit"]
    assert kept_asset.ask_for == DETAILS["ask_for"]
    assert kept_asset.getting_there == DETAILS["getting_there"]
    assert kept_asset.languages == "English, Urdu"
    assert (kept_asset.step_free, kept_asset.hearing_loop, kept_asset.accessible_toilet) == (
        True,
        False,
        None,
    )
    change = kept_asset.changes.filter(action=AssetChange.Action.EDITED).get()
    assert change.changes["ask_for"] == ["", "Jean, the organiser"]
    assert change.changes["hearing_loop"] == ["", "no"]
    assert change.changes["step_free"] == ["", "yes"]


def test_edit_form_offers_not_known_for_access(client_for, volunteer, detailed_asset):
    body = client_for(volunteer).get(f"/directory/listings/{detailed_asset.pk}/edit/").content
    body = body.decode()
    assert "Is there an accessible toilet?" in body
    assert "Not known" in body
    assert "What to expect on a first visit" in body
    assert "How to get there" in body


def test_too_long_first_visit_is_refused_and_changes_nothing(client_for, volunteer, kept_asset):
    version = Asset.objects.get(pk=kept_asset.pk).version
    data = _edit_data(kept_asset, **{"listing-first_visit": "x" * 501})
    response = client_for(volunteer).post(f"/directory/listings/{kept_asset.pk}/edit/", data)
    assert response.status_code == 400
    assert "at most 500 characters" in response.content.decode()
    fresh = Asset.objects.get(pk=kept_asset.pk)
    assert fresh.first_visit == ""
    assert fresh.version == version
    assert not fresh.changes.filter(action=AssetChange.Action.EDITED).exists()


def test_another_volunteer_cannot_edit_the_new_details(client_for, other_volunteer, kept_asset):
    data = _edit_data(kept_asset, **{"listing-ask_for": "Somebody else"})
    response = client_for(other_volunteer).post(f"/directory/listings/{kept_asset.pk}/edit/", data)
    assert response.status_code == 404
    assert Asset.objects.get(pk=kept_asset.pk).ask_for == ""


def test_suggest_form_asks_for_the_new_details(anon_client):
    data = {
        "listing-name": "Tuesday allotment",
        "listing-kind": "group",
        "listing-category": "green_nature",
        "listing-led_by": "citizen",
        "listing-postcode": "M14 4PX",
        "listing-is_free": "on",
        "listing-first_visit": "Come to the green shed.",
        "listing-ask_for": "Mo",
        "listing-getting_there": "Bus 11 to Canal Street.",
        "listing-accessible_toilet": "false",
        "listing-step_free": "unknown",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "14",
    }
    assert anon_client.post("/directory/suggest/", data).status_code == 302
    asset = Asset.objects.get(name="Tuesday allotment")
    assert (asset.first_visit, asset.ask_for, asset.getting_there) == (
        "Come to the green shed.",
        "Mo",
        "Bus 11 to Canal Street.",
    )
    assert asset.accessible_toilet is False
    assert asset.step_free is None


# --- shown to the public ----------------------------------------------------------------------


def test_listing_page_shows_the_details_and_tells_no_from_not_known(anon_client, detailed_asset):
    body = anon_client.get(f"/directory/listings/{detailed_asset.pk}/").content.decode()
    assert DETAILS["first_visit"] in body
    assert "Jean, the organiser" in body
    assert "Bus 42 stops outside" in body
    assert "Step-free access: Yes" in body
    assert "Hearing loop: No" in body
    assert "Accessible toilet: Not known" in body
    assert f"/directory/{detailed_asset.pk}/leaflet/" in body


def test_printed_directory_shows_the_details(anon_client, detailed_asset):
    body = anon_client.get("/directory/print/").content.decode()
    assert "First visit: Someone will meet you" in body
    assert "Ask for: Jean, the organiser" in body
    assert "Getting there: Bus 42" in body


# --- the leaflet ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    [
        "anon_client",
        "volunteer",
        "other_volunteer",
        "link_worker",
        "practice_staff",
        "commissioner",
        "admin_user",
    ],
)
def test_anyone_may_print_a_leaflet_for_an_approved_listing(
    request, client_for, persona, detailed_asset
):
    client = (
        request.getfixturevalue("anon_client")
        if persona == "anon_client"
        else client_for(request.getfixturevalue(persona))
    )
    response = client.get(f"/directory/{detailed_asset.pk}/leaflet/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Riverside walking group" in body
    assert "data-sx-print" in body
    assert "css/leaflet.css" in body
    assert "Bus 42 stops outside" in body
    assert "Accessible toilet: Not known" in body


@pytest.mark.parametrize("persona", ["anon_client", "volunteer", "admin_user"])
def test_no_leaflet_for_a_pending_listing_even_for_its_keeper(
    request, client_for, persona, kept_asset
):
    Asset.objects.filter(pk=kept_asset.pk).update(listing_status=ListingStatus.PENDING)
    client = (
        request.getfixturevalue("anon_client")
        if persona == "anon_client"
        else client_for(request.getfixturevalue(persona))
    )
    assert client.get(f"/directory/{kept_asset.pk}/leaflet/").status_code == 404


def test_no_leaflet_for_a_group_that_has_stopped_or_does_not_exist(anon_client, kept_asset):
    Asset.objects.filter(pk=kept_asset.pk).update(ended_on=timezone.localdate())
    assert anon_client.get(f"/directory/{kept_asset.pk}/leaflet/").status_code == 404
    assert anon_client.get("/directory/999999/leaflet/").status_code == 404


def test_leaflet_is_read_only(anon_client, kept_asset):
    assert anon_client.post(f"/directory/{kept_asset.pk}/leaflet/").status_code == 405


def test_leaflet_warns_when_not_confirmed_recently(anon_client, kept_asset):
    Asset.objects.filter(pk=kept_asset.pk).update(
        last_confirmed_at=timezone.now() - dt.timedelta(days=120)
    )
    body = anon_client.get(f"/directory/{kept_asset.pk}/leaflet/").content.decode()
    assert "not been confirmed recently" in body


# --- the API ----------------------------------------------------------------------------------


def test_api_lists_the_new_details_with_null_for_not_known(anon_client, detailed_asset):
    AssetFactory(name="Other")
    body = anon_client.get("/api/v1/directory/").json()
    row = next(r for r in body["results"] if r["name"] == "Riverside walking group")
    assert row["first_visit"] == DETAILS["first_visit"]
    assert row["ask_for"] == "Jean, the organiser"
    assert row["getting_there"] == DETAILS["getting_there"]
    assert (row["step_free"], row["hearing_loop"], row["accessible_toilet"]) == (True, False, None)


def test_openreferral_export_carries_first_visit_and_transport(anon_client, detailed_asset):
    Asset.objects.filter(pk=detailed_asset.pk).update(accessible_toilet=True)
    service = anon_client.get("/api/v1/directory/openreferral/").json()["content"][0]
    assert service["application_process"] == DETAILS["first_visit"]
    location = service["service_at_locations"][0]["location"]
    assert location["transportation"] == DETAILS["getting_there"]
    access = [a["accessibility"] for a in location["accessibility_for_disabilities"]]
    assert "Accessible toilet" in access
    assert "Step-free access" in access
    assert "Hearing loop" not in access
