"""Directory journeys in a real browser: a volunteer keeps their group's listing; a member of
the public suggests a group and an administrator approves it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assets.models import Asset, AssetChange, Capacity, ListingStatus
from tests.assets.factories import AssetFactory, SessionFactory
from tests.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_volunteer_updates_and_confirms_their_group(page, volunteer):
    asset = AssetFactory(
        name="Riverside walking group",
        venue_name="Riverside Café",
        last_confirmed_at=timezone.now() - dt.timedelta(days=100),
    )
    asset.maintainers.add(volunteer)
    SessionFactory(asset=asset, weekday=2)
    login(page, volunteer.username)
    page.goto("/directory/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your listings", use_inner_text=True)
    row = page.locator(f"#listing-{asset.pk}")
    assert "Not confirmed recently" in row.inner_text()
    assert_accessible(page)

    # One click, in place (htmx): the row comes back fresh.
    row.get_by_role("button", name="Still running").click()
    page.locator(f"#listing-{asset.pk} [role=status]").wait_for()
    expect(page.locator(f"#listing-{asset.pk}")).not_to_contain_text(
        "Not confirmed recently", use_inner_text=True
    )

    row = page.locator(f"#listing-{asset.pk}")
    row.get_by_label("Capacity").select_option("limited")
    row.get_by_label("Members now").fill("18")
    row.get_by_role("button", name="Update places and members").click()
    page.locator(f"#listing-{asset.pk}", has_text="Places and members updated").wait_for()
    expect(page.locator(f"#listing-{asset.pk}")).to_contain_text("18 members", use_inner_text=True)

    page.locator(f"#listing-{asset.pk}").get_by_role("link", name="Edit").click()
    page.get_by_label("Venue name").fill("St Mark's Hall")
    assert_accessible(page)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/directory/mine/")
    assert "is updated" in page.content()

    asset.refresh_from_db()
    assert asset.capacity == Capacity.LIMITED
    assert asset.member_count == 18
    assert asset.venue_name == "St Mark's Hall"
    assert not asset.is_stale()
    assert set(asset.changes.values_list("action", flat=True)) == {
        AssetChange.Action.CONFIRMED,
        AssetChange.Action.CAPACITY,
        AssetChange.Action.EDITED,
    }

    page.goto(f"/directory/listings/{asset.pk}/history/")
    assert "St Mark's Hall" in page.content() or "St Mark&#x27;s Hall" in page.content()
    assert_accessible(page)


def test_public_suggests_a_group_and_admin_approves_it(page, admin_user):
    page.goto("/directory/")
    assert_accessible(page)
    page.get_by_role("link", name="Suggest a group").click()
    assert_accessible(page)

    # A mistake first: the error summary names it and nothing is saved.
    page.get_by_role("button", name="Send suggestion").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert not Asset.objects.exists()

    page.get_by_label("Name of the group", exact=True).fill("Tuesday allotment")
    page.get_by_label("Category").select_option("green_nature")
    page.get_by_label("Who runs it").select_option("citizen")
    page.get_by_label("Description").fill("Grow vegetables together; tools provided.")
    page.get_by_label("Postcode").fill("m14 4px")
    page.locator("#id_sessions-0-weekday").select_option("1")
    page.locator("#id_sessions-0-starts_at").fill("10:00")
    page.get_by_label("Your email address").fill("sam@example.org")
    page.get_by_role("button", name="Send suggestion").click()
    page.wait_for_url("**/suggest/thanks/")
    assert_accessible(page)
    asset = Asset.objects.get(name="Tuesday allotment")
    assert asset.listing_status == ListingStatus.PENDING

    page.goto("/directory/?q=allotment")
    assert "Tuesday allotment" not in page.content()

    login(page, admin_user.username)
    page.goto("/directory/moderation/")
    assert_accessible(page)
    page.get_by_role("button", name="Approve Tuesday allotment").click()
    page.wait_for_url("**/directory/moderation/")
    assert "is approved" in page.content()

    page.goto("/directory/?q=allotment")
    expect(page.get_by_role("link", name="Tuesday allotment")).to_be_visible()
    asset.refresh_from_db()
    assert asset.listing_status == ListingStatus.APPROVED


def test_directory_search_updates_in_place_and_prints(page):
    AssetFactory(name="Knit and natter", category="arts_creativity", is_free=True)
    AssetFactory(name="Choir", category="music_singing")
    page.goto("/directory/")
    page.get_by_label("Category").select_option("arts_creativity")
    page.wait_for_url("**category=arts_creativity**")
    results = page.locator("#directory-results")
    expect(results).to_contain_text("Knit and natter")
    expect(results).not_to_contain_text("Choir")
    assert_accessible(page)
    page.goto("/directory/print/")
    expect(page.get_by_role("heading", name="Arts and creativity")).to_be_visible()
    assert_accessible(page)


def test_link_worker_is_warned_about_a_full_group_and_connects_to_a_citizen_led_one(
    page, link_worker, practice_a
):
    from referrals.models import Connection
    from tests.referrals.factories import PersonFactory

    person = PersonFactory(practice=practice_a, given_name="Alex", family_name="Tester")
    full = AssetFactory(
        name="Riverside walking group",
        led_by="vcse",
        capacity=Capacity.FULL,
        last_confirmed_at=timezone.now(),
    )
    open_group = AssetFactory(
        name="Park walkers", led_by="citizen", last_confirmed_at=timezone.now()
    )
    login(page, link_worker.username)

    # The directory: search, then filter to citizen-led groups.
    page.goto("/directory/?q=walk")
    results = page.locator("#directory-results")
    expect(results).to_contain_text("Riverside walking group")
    expect(results).to_contain_text("Full")
    page.get_by_label("Citizen-led only").check()
    page.wait_for_url("**citizen=on**")
    expect(page.locator("#directory-results")).not_to_contain_text(
        "Riverside walking group", use_inner_text=True
    )
    expect(page.locator("#directory-results")).to_contain_text("Park walkers", use_inner_text=True)

    # The full group warns before anyone is connected to it.
    page.goto(f"/people/{person.pk}/connections/new/?asset={full.pk}")
    expect(page.locator("#connection-warnings")).to_contain_text("is full", use_inner_text=True)
    assert_accessible(page)

    page.goto(f"/people/{person.pk}/connections/new/?asset={open_group.pk}")
    assert page.locator("#connection-warnings").count() == 0
    page.get_by_label("Accompanied").check()
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(f"**/people/{person.pk}/**")
    connection = Connection.objects.get(person=person)
    assert connection.asset == open_group
    assert connection.asset.is_citizen_led


def test_link_worker_logs_a_gap_and_marks_it_being_worked_on(page, link_worker):
    login(page, link_worker.username)
    page.goto("/directory/gaps/")
    assert_accessible(page)
    page.get_by_role("link", name="Log a gap").click()
    page.get_by_label("What is missing").fill("Chair yoga in the evening")
    page.get_by_label("Where").fill("LS11")
    page.get_by_label("How many people").fill("4")
    assert_accessible(page)
    page.get_by_role("button", name="Log the gap").click()
    page.wait_for_url("**/directory/gaps/")
    from assets.models import Gap

    gap = Gap.objects.get()
    row = page.locator(f"#gap-{gap.pk}")
    row.get_by_label(f"Status of gap {gap.pk}").select_option("being_worked_on")
    row.get_by_role("button", name="Save").click()
    page.locator(f"#gap-{gap.pk} option[value=being_worked_on][selected]").wait_for(
        state="attached"
    )
    gap.refresh_from_db()
    assert gap.status == "being_worked_on"
    page.goto("/directory/gaps/summary/")
    assert_accessible(page)


def test_volunteer_confirms_from_the_emailed_link_without_signing_in(page, volunteer):
    from assets.services import confirm_token_make

    asset = AssetFactory(
        name="Knit and natter", last_confirmed_at=timezone.now() - dt.timedelta(days=95)
    )
    asset.maintainers.add(volunteer)
    page.goto(f"/directory/confirm/{confirm_token_make(asset=asset, user=volunteer)}/")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, it is still running").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert_accessible(page)
    asset.refresh_from_db()
    assert not asset.is_stale()
    assert asset.changes.get().via_email_link
