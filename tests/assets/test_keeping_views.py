"""Volunteers keep their listings: confirm, capacity and members, edits with history; suggest a
group; moderation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assets.models import (
    Asset,
    AssetChange,
    Capacity,
    ListingNotice,
    ListingReport,
    ListingStatus,
    MemberCount,
)
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db


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
        "listing-version": str(Asset.objects.get(pk=asset.pk).version),
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "14",
    }
    data.update(overrides)
    return data


# --- your listings ----------------------------------------------------------------------------


def test_volunteer_sees_only_the_listings_they_keep(
    client_for, volunteer, kept_asset, others_asset
):
    body = client_for(volunteer).get("/directory/mine/").content.decode()
    assert "Riverside walking group" in body
    assert "Hill Top choir" not in body


def test_your_listings_needs_sign_in(anon_client):
    response = anon_client.get("/directory/mine/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["link_worker", "commissioner", "practice_staff"])
def test_staff_who_keep_nothing_get_404_for_your_listings(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get("/directory/mine/").status_code == 404


def test_your_listings_query_count(client_for, volunteer, django_assert_max_num_queries):
    for i in range(8):
        AssetFactory(name=f"G{i}").maintainers.add(volunteer)
    client = client_for(volunteer)
    # session, user, listings, sessions, notices, mark notices read
    with django_assert_max_num_queries(6):
        response = client.get("/directory/mine/")
    assert response.content.decode().count("Still running") == 8


def test_volunteer_confirms_still_running_in_one_click(client_for, volunteer, kept_asset):
    kept_asset.last_confirmed_at = timezone.now() - dt.timedelta(days=100)
    kept_asset.save()
    response = client_for(volunteer).post(f"/directory/listings/{kept_asset.pk}/confirm/")
    assert response.status_code == 302
    kept_asset.refresh_from_db()
    assert kept_asset.last_confirmed_at > timezone.now() - dt.timedelta(minutes=1)
    assert kept_asset.last_confirmed_by == volunteer
    assert not kept_asset.is_stale()
    change = kept_asset.changes.get()
    assert change.action == AssetChange.Action.CONFIRMED
    assert change.by == volunteer


def test_confirm_by_htmx_returns_the_row(client_for, volunteer, kept_asset):
    response = client_for(volunteer).post(
        f"/directory/listings/{kept_asset.pk}/confirm/", HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="listing-{kept_asset.pk}"' in body
    assert "<html" not in body
    assert timezone.localdate().strftime("%-d %B %Y") in body
    assert "Confirmed as still running" in body


@pytest.mark.parametrize("action", ["confirm", "capacity"])
def test_a_link_to_an_action_lands_on_the_row_and_changes_nothing(
    client_for, volunteer, kept_asset, action
):
    response = client_for(volunteer).get(f"/directory/listings/{kept_asset.pk}/{action}/")
    assert response.status_code == 302
    assert response["Location"] == f"/directory/mine/#listing-{kept_asset.pk}"
    assert not kept_asset.changes.exists()


@pytest.mark.parametrize("persona", ["other_volunteer", "link_worker", "commissioner"])
def test_nobody_else_may_confirm_a_listing(client_for, request, persona, kept_asset):
    client = client_for(request.getfixturevalue(persona))
    for action in ("confirm", "capacity"):
        assert client.post(f"/directory/listings/{kept_asset.pk}/{action}/").status_code == 404
        assert client.get(f"/directory/listings/{kept_asset.pk}/{action}/").status_code == 404
    kept_asset.refresh_from_db()
    assert not kept_asset.changes.exists()


def test_anonymous_cannot_confirm(anon_client, kept_asset):
    response = anon_client.post(f"/directory/listings/{kept_asset.pk}/confirm/")
    assert response.status_code == 302
    assert not kept_asset.changes.exists()


def test_volunteer_updates_capacity_and_member_count(client_for, volunteer, kept_asset):
    pk = kept_asset.pk
    response = client_for(volunteer).post(
        f"/directory/listings/{pk}/capacity/",
        {f"a{pk}-capacity": "full", f"a{pk}-member_count": "14", f"a{pk}-version": "0"},
    )
    assert response.status_code == 302
    kept_asset.refresh_from_db()
    assert kept_asset.capacity == Capacity.FULL
    assert kept_asset.member_count == 14
    assert MemberCount.objects.get(asset=kept_asset).count == 14
    change = kept_asset.changes.get()
    assert change.changes["capacity"][1].startswith("Full")
    assert change.changes["member_count"] == ["", "14"]


def test_member_count_is_kept_over_time(client_for, volunteer, kept_asset):
    MemberCount.objects.create(
        asset=kept_asset, counted_on=timezone.localdate() - dt.timedelta(days=30), count=9
    )
    pk = kept_asset.pk
    client_for(volunteer).post(
        f"/directory/listings/{pk}/capacity/",
        {f"a{pk}-capacity": "open", f"a{pk}-member_count": "12", f"a{pk}-version": "0"},
    )
    assert list(kept_asset.member_counts.values_list("count", flat=True)) == [12, 9]
    history = client_for(volunteer).get(f"/directory/listings/{pk}/history/").content.decode()
    assert "Members over time" in history
    assert history.index("<td>12</td>") < history.index("<td>9</td>")


def test_bad_capacity_shows_errors_and_changes_nothing(client_for, volunteer, kept_asset):
    pk = kept_asset.pk
    client = client_for(volunteer)
    response = client.post(
        f"/directory/listings/{pk}/capacity/",
        {f"a{pk}-capacity": "overflowing", f"a{pk}-member_count": "-3", f"a{pk}-version": "0"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Select a valid choice" in body
    htmx = client.post(
        f"/directory/listings/{pk}/capacity/",
        {f"a{pk}-capacity": "open", f"a{pk}-member_count": "-3", f"a{pk}-version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert "There is a problem" in htmx.content.decode()
    assert "<html" not in htmx.content.decode()
    kept_asset.refresh_from_db()
    assert kept_asset.capacity == Capacity.OPEN
    assert kept_asset.member_count is None
    assert not kept_asset.changes.exists()


def test_edit_goes_live_and_is_kept_as_history(client_for, volunteer, kept_asset, anon_client):
    data = _edit_data(kept_asset, **{"listing-venue_name": "St Mark's Hall"})
    data.update(
        {
            "sessions-TOTAL_FORMS": "1",
            "sessions-INITIAL_FORMS": "0",
            "sessions-0-weekday": "4",
            "sessions-0-starts_at": "14:00",
            "sessions-0-ends_at": "15:30",
        }
    )
    response = client_for(volunteer).post(f"/directory/listings/{kept_asset.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    kept_asset.refresh_from_db()
    assert kept_asset.venue_name == "St Mark's Hall"
    change = kept_asset.changes.get(action=AssetChange.Action.EDITED)
    assert change.by == volunteer
    assert change.changes["venue_name"] == ["Riverside Café", "St Mark's Hall"]
    assert "Friday 14:00–15:30" in change.changes["sessions"][1]
    assert change.needs_review is True
    assert (
        "St Mark&#x27;s Hall"
        in anon_client.get(f"/directory/listings/{kept_asset.pk}/").content.decode()
    )
    history = client_for(volunteer).get(f"/directory/listings/{kept_asset.pk}/history/")
    assert "St Mark&#x27;s Hall" in history.content.decode()


def test_admin_edit_needs_no_review(client_for, admin_user, kept_asset):
    data = _edit_data(kept_asset, **{"listing-name": "Riverside walkers"})
    client_for(admin_user).post(f"/directory/listings/{kept_asset.pk}/edit/", data)
    change = kept_asset.changes.get()
    assert change.needs_review is False


def test_bad_edit_shows_error_summary_and_changes_nothing(client_for, volunteer, kept_asset):
    data = _edit_data(
        kept_asset,
        **{"listing-name": "", "listing-postcode": "NOPE", "listing-is_free": ""},
    )
    response = client_for(volunteer).post(f"/directory/listings/{kept_asset.pk}/edit/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Enter a full UK postcode" in body
    assert "Say what it costs" in body
    kept_asset.refresh_from_db()
    assert kept_asset.name == "Riverside walking group"
    assert not kept_asset.changes.exists()


@pytest.mark.parametrize(
    "persona", ["other_volunteer", "link_worker", "commissioner", "practice_staff"]
)
def test_others_cannot_edit_or_see_history_of_a_listing(client_for, request, persona, kept_asset):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/directory/listings/{kept_asset.pk}/edit/").status_code == 404
    assert (
        client.post(
            f"/directory/listings/{kept_asset.pk}/edit/", _edit_data(kept_asset)
        ).status_code
        == 404
    )
    assert client.get(f"/directory/listings/{kept_asset.pk}/history/").status_code == 404


def test_notices_show_once_on_your_listings(client_for, volunteer, kept_asset):
    ListingNotice.objects.create(
        user=volunteer, asset=kept_asset, message="Please confirm Riverside"
    )
    client = client_for(volunteer)
    assert "Please confirm Riverside" in client.get("/directory/mine/").content.decode()
    assert "Please confirm Riverside" not in client.get("/directory/mine/").content.decode()


# --- suggest a group ------------------------------------------------------------------------


def _suggest_data(**overrides: str) -> dict[str, str]:
    data = {
        "listing-name": "Tuesday allotment",
        "listing-kind": "group",
        "listing-category": "green_nature",
        "listing-led_by": "citizen",
        "listing-description": "Grow veg together.",
        "listing-postcode": "m14 4px",
        "listing-is_free": "on",
        "listing-languages": "English, Urdu",
        "listing-proposer_email": "sam@example.org",
        "sessions-TOTAL_FORMS": "2",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "14",
        "sessions-0-weekday": "1",
        "sessions-0-starts_at": "10:00",
    }
    data.update(overrides)
    return data


def test_member_of_public_suggests_a_group_that_waits_for_approval(anon_client):
    response = anon_client.post("/directory/suggest/", _suggest_data())
    assert response.status_code == 302
    asset = Asset.objects.get(name="Tuesday allotment")
    assert asset.listing_status == ListingStatus.PENDING
    assert asset.postcode == "M14 4PX"
    assert asset.proposer_email == "sam@example.org"
    assert [str(s) for s in asset.sessions.all()] == ["Tuesday 10:00"]
    assert asset.changes.get().action == AssetChange.Action.PROPOSED
    assert "Tuesday allotment" not in anon_client.get("/directory/").content.decode()


def test_volunteer_who_suggests_a_group_keeps_it(client_for, volunteer):
    client_for(volunteer).post("/directory/suggest/", _suggest_data())
    asset = Asset.objects.get(name="Tuesday allotment")
    assert list(asset.maintainers.all()) == [volunteer]
    assert asset.proposed_by == volunteer
    assert asset.started_by_user == volunteer


def test_bad_suggestion_shows_errors_and_creates_nothing(anon_client):
    response = anon_client.post(
        "/directory/suggest/",
        _suggest_data(**{"listing-name": "", "sessions-0-ends_at": "09:00"}),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    # The public form says which field is missing ("This field is required" named none).
    assert "Enter the group&#x27;s name" in body
    assert not Asset.objects.exists()


def test_suggest_errors_name_each_missing_field(anon_client):
    response = anon_client.post(
        "/directory/suggest/",
        _suggest_data(**{"listing-name": "", "listing-category": "", "listing-led_by": ""}),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required" not in body
    for message in ("Enter the group&#x27;s name", "Choose what kind", "Choose who runs it"):
        assert message in body


def test_suggest_form_speaks_plain_english(anon_client):
    body = anon_client.get("/directory/suggest/").content.decode()
    for jargon in ("Statutory", "VCSE", "Voluntary, community or social enterprise", "Connector"):
        assert jargon not in body
    assert "The council, the NHS or another public service" in body
    assert "A charity, community group or social enterprise" in body


def test_suggestion_session_error_is_summarised(anon_client):
    response = anon_client.post(
        "/directory/suggest/", _suggest_data(**{"sessions-0-ends_at": "09:00"})
    )
    assert response.status_code == 400
    assert "The end time must be after the start time" in response.content.decode()
    assert not Asset.objects.exists()


# --- moderation -----------------------------------------------------------------------------


def test_admin_approves_a_suggested_group(client_for, admin_user, anon_client):
    asset = AssetFactory(name="New café", listing_status=ListingStatus.PENDING)
    client = client_for(admin_user)
    assert "New café" in client.get("/directory/moderation/").content.decode()
    response = client.post(f"/directory/moderation/{asset.pk}/approve/")
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.listing_status == ListingStatus.APPROVED
    assert asset.last_confirmed_by == admin_user
    assert "New café" in anon_client.get("/directory/").content.decode()
    assert asset.changes.filter(action=AssetChange.Action.APPROVED, by=admin_user).exists()


def test_admin_rejects_a_suggested_group(client_for, admin_user):
    asset = AssetFactory(listing_status=ListingStatus.PENDING)
    client_for(admin_user).post(f"/directory/moderation/{asset.pk}/reject/")
    asset.refresh_from_db()
    assert asset.listing_status == ListingStatus.REJECTED


def test_unknown_moderation_decision_is_404(client_for, admin_user):
    asset = AssetFactory(listing_status=ListingStatus.PENDING)
    assert (
        client_for(admin_user).post(f"/directory/moderation/{asset.pk}/delete/").status_code == 404
    )
    asset.refresh_from_db()
    assert asset.listing_status == ListingStatus.PENDING


@pytest.mark.parametrize("persona", ["volunteer", "link_worker", "commissioner", "practice_staff"])
def test_only_admins_moderate(client_for, request, persona):
    asset = AssetFactory(listing_status=ListingStatus.PENDING)
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/directory/moderation/").status_code == 404
    assert client.post(f"/directory/moderation/{asset.pk}/approve/").status_code == 404
    asset.refresh_from_db()
    assert asset.listing_status == ListingStatus.PENDING


def test_anonymous_cannot_moderate(anon_client):
    asset = AssetFactory(listing_status=ListingStatus.PENDING)
    assert anon_client.post(f"/directory/moderation/{asset.pk}/approve/").status_code == 302
    asset.refresh_from_db()
    assert asset.listing_status == ListingStatus.PENDING


def test_admin_reviews_live_edits(client_for, admin_user, volunteer, kept_asset):
    change = AssetChange.objects.create(
        asset=kept_asset,
        action="edited",
        by=volunteer,
        changes={"name": ["a", "b"]},
        needs_review=True,
    )
    client = client_for(admin_user)
    assert "Mark reviewed" in client.get("/directory/moderation/").content.decode()
    response = client.post(
        f"/directory/moderation/changes/{change.pk}/reviewed/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    change.refresh_from_db()
    assert change.reviewed_by == admin_user
    assert "Mark reviewed" not in client.get("/directory/moderation/").content.decode()


def test_moderation_query_count(client_for, admin_user, volunteer, django_assert_max_num_queries):
    for i in range(6):
        asset = AssetFactory(
            name=f"P{i}", listing_status=ListingStatus.PENDING, proposed_by=volunteer
        )
        AssetChange.objects.create(asset=asset, action="edited", by=volunteer, needs_review=True)
        ListingReport.objects.create(
            asset=asset, kind="wrong", note="New phone", reported_by=volunteer
        )
    client = client_for(admin_user)
    # session, user, pending listings, edits to review, open reports, messages
    with django_assert_max_num_queries(6):
        response = client.get("/directory/moderation/")
    assert response.content.decode().count("New phone") == 6


def test_admin_may_keep_any_listing_but_their_page_lists_only_their_own(
    client_for, admin_user, kept_asset, others_asset
):
    client = client_for(admin_user)
    body = client.get("/directory/mine/").content.decode()
    assert "Riverside walking group" not in body
    assert "Hill Top choir" not in body
    response = client.post(
        f"/directory/listings/{others_asset.pk}/confirm/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    others_asset.refresh_from_db()
    assert others_asset.last_confirmed_by == admin_user


def test_public_suggestions_are_rate_limited(anon_client):
    for i in range(5):
        data = _suggest_data(**{"listing-name": f"Group {i}"})
        assert anon_client.post("/directory/suggest/", data).status_code == 302
    response = anon_client.post("/directory/suggest/", _suggest_data(**{"listing-name": "Sixth"}))
    assert response.status_code == 429
    assert "several suggestions in the last hour" in response.content.decode()
    assert Asset.objects.count() == 5


# --- editing is confirming ------------------------------------------------------------------


def test_editing_a_listing_confirms_it(client_for, volunteer, kept_asset):
    kept_asset.last_confirmed_at = timezone.now() - dt.timedelta(days=100)
    kept_asset.save()
    assert kept_asset.is_stale()
    response = client_for(volunteer).post(
        f"/directory/listings/{kept_asset.pk}/edit/",
        _edit_data(kept_asset, **{"listing-schedule_text": "Every Wednesday"}),
    )
    assert response.status_code == 302
    kept_asset.refresh_from_db()
    assert not kept_asset.is_stale()
    assert kept_asset.last_confirmed_by == volunteer


def test_saving_a_listing_unchanged_confirms_it_in_its_history(client_for, volunteer, kept_asset):
    kept_asset.last_confirmed_at = timezone.now() - dt.timedelta(days=100)
    kept_asset.save()
    client_for(volunteer).post(f"/directory/listings/{kept_asset.pk}/edit/", _edit_data(kept_asset))
    kept_asset.refresh_from_db()
    assert not kept_asset.is_stale()
    assert kept_asset.changes.get().action == AssetChange.Action.CONFIRMED


def test_updating_places_and_members_confirms_the_listing(client_for, volunteer, kept_asset):
    kept_asset.last_confirmed_at = timezone.now() - dt.timedelta(days=100)
    kept_asset.save()
    client_for(volunteer).post(
        f"/directory/listings/{kept_asset.pk}/capacity/",
        {
            f"a{kept_asset.pk}-capacity": "limited",
            f"a{kept_asset.pk}-member_count": "12",
            f"a{kept_asset.pk}-version": "0",
        },
    )
    kept_asset.refresh_from_db()
    assert not kept_asset.is_stale()
    assert kept_asset.last_confirmed_by == volunteer


def test_history_and_moderation_show_field_labels_not_names(
    client_for, volunteer, admin_user, kept_asset
):
    kept_asset.listing_status = ListingStatus.APPROVED
    kept_asset.save()
    client = client_for(volunteer)
    client.post(
        f"/directory/listings/{kept_asset.pk}/capacity/",
        {
            f"a{kept_asset.pk}-capacity": "limited",
            f"a{kept_asset.pk}-member_count": "12",
            f"a{kept_asset.pk}-version": "0",
        },
    )
    client.post(
        f"/directory/listings/{kept_asset.pk}/edit/",
        _edit_data(kept_asset, **{"listing-started_on": "2023-10-15"}),
    )
    history = client.get(f"/directory/listings/{kept_asset.pk}/history/").content.decode()
    moderation = client_for(admin_user).get("/directory/moderation/").content.decode()
    for body in (history, moderation):
        assert "started_on" not in body
        assert "Start date" in body
    assert "member_count" not in history
    assert "Members" in history
