"""The whole journey of one referral, in the browser: practice staff refer someone; their
link worker finds them on the caseload, logs a "what matters to you" conversation, agrees a
goal, connects them to a group and records that they went, and writes back; the practice
sees the feedback. axe-core checks each main page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from referrals.models import Connection, ConnectionOutcome, Feedback, Goal, Person, Referral
from tests.assets.factories import AssetFactory
from tests.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NHS_NUMBER = "9434765919"


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")


def test_referral_journey_from_practice_to_feedback(page, practice_staff, link_worker):
    # A long journey on a possibly busy machine: wait longer than the default for each step.
    page.set_default_timeout(30_000)
    AssetFactory(name="Canal Street walking group", description="Gentle walks, Tuesdays.")

    # --- practice staff refer ------------------------------------------------------------------
    login(page, practice_staff.username)
    page.wait_for_url("**/practice/referrals/")
    assert_accessible(page)
    page.get_by_role("link", name="Make a referral").first.click()
    page.wait_for_url("**/practice/refer/")
    assert_accessible(page)
    page.get_by_label("First name").fill("Maureen")
    page.get_by_label("Last name").fill("Oduya")
    page.get_by_label("Date of birth").fill("1948-05-17")
    page.get_by_label("NHS number").fill(NHS_NUMBER)
    page.get_by_label("Postcode").fill("M1 1AE")
    page.get_by_label("Reason for referral").fill("Lonely since her husband died; low mood.")
    page.get_by_label("They agree that a link worker may contact them").check()
    page.get_by_role("group", name=re.compile("share their name and contact details")).get_by_label(
        "No"
    ).check()
    page.get_by_role("group", name=re.compile("figures that do not identify them")).get_by_label(
        "Yes, they agree"
    ).check()
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral sent")
    # The practice's named link worker takes the case: continuity, not a queue.
    expect(page.get_by_text("Anna Link")).to_be_visible()
    assert_accessible(page)
    referral = Referral.objects.get(person__nhs_number=NHS_NUMBER)
    assert referral.referring_practice_id == practice_staff.practice_id
    assert referral.link_worker_id == link_worker.pk
    _log_out(page)

    # --- the link worker finds them on "My day", waiting for a first contact -----------------
    login(page, link_worker.username)
    page.wait_for_url("**/my-day/")
    expect(page.locator("#waiting-referrals")).to_contain_text("Maureen Oduya")
    assert_accessible(page)
    page.get_by_role("link", name="Maureen Oduya").click()
    person = Person.objects.get(nhs_number=NHS_NUMBER)
    page.wait_for_url(f"**/people/{person.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Maureen Oduya")
    assert_accessible(page)

    # A "what matters to you" conversation, free text first.
    page.get_by_role("link", name="Log a conversation").click()
    assert_accessible(page)
    page.get_by_label("What matters to you?").fill("Getting out of the house and meeting people.")
    page.get_by_label("What do you love doing?").fill("Walking by the canal, and singing.")
    page.get_by_label("How many friends could you call on?").fill("1")
    page.get_by_role("button", name="Save conversation").click()
    page.wait_for_url(re.compile(rf".*/people/{person.pk}/.*"))
    expect(page.locator("#timeline-list")).to_contain_text(
        "Getting out of the house and meeting people."
    )
    expect(page.locator("#timeline-list")).to_contain_text("Friends they could call on: 1")

    # A goal for the life plan (added in place by htmx).
    page.get_by_label("Goal, in the person's words").fill("Go for a walk with others every week")
    page.get_by_role("button", name="Add goal").click()
    expect(page.locator("#goal-rows")).to_contain_text("Go for a walk with others every week")
    assert Goal.objects.filter(person=person).count() == 1

    # Connect them to the walking group, going along with them.
    page.get_by_role("link", name="Connect to a group or activity").first.click()
    assert_accessible(page)
    page.get_by_label("Search the directory by name").fill("Canal")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Canal Street walking group").click()
    page.get_by_label(re.compile(r"^Accompanied")).check()
    # She did not agree to the group being told who she is: the link worker is told so.
    expect(page.locator("#details-not-shared")).to_contain_text(
        "Do not tell the group who they are"
    )
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Connect")).click()
    page.wait_for_url(re.compile(rf".*/people/{person.pk}/.*"))
    connection = Connection.objects.get(person=person)
    row = page.locator(f"#connection-{connection.pk}")
    expect(row).to_contain_text("Canal Street walking group")
    expect(row).to_contain_text("Details not shared with the group")
    assert connection.details_shared is False

    # Later: they went.
    row.get_by_label(re.compile(r"^What happened\?")).select_option(ConnectionOutcome.ATTENDED)
    row.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(page.locator(f"#connection-{connection.pk}")).to_contain_text("Updated")
    connection.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.ATTENDED

    # Later she agrees to the group having her details: the link worker records it.
    page.get_by_role("link", name=re.compile(r"^Change consent")).click()
    page.wait_for_url(f"**/people/{person.pk}/consent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What Maureen Oduya agrees to")
    assert_accessible(page)
    page.get_by_role("group", name=re.compile("share their name and contact details")).get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Save consent").click()
    page.wait_for_url(re.compile(rf".*/people/{person.pk}/.*"))
    expect(page.locator("#consent-summary")).to_contain_text("recorded by Anna Link")
    assert person.consents.filter(purpose="share_with_group").latest("recorded_at").given

    # Write back to the practice.
    page.get_by_role("link", name=re.compile(r"^Write feedback to the referrer")).click()
    assert_accessible(page)
    page.get_by_label(re.compile(r"871731000000106")).check()
    page.get_by_label("Needs and concerns").fill("Lonely and low since bereavement.")
    page.get_by_label("Support offered and activities referred to").fill(
        "Went with her to the Canal Street walking group; she has been once."
    )
    page.get_by_role("button", name="Save feedback").click()
    page.wait_for_load_state()
    assert Feedback.objects.filter(referral=referral).count() == 1
    _log_out(page)

    # --- the practice sees what became of their referral ---------------------------------------
    login(page, practice_staff.username)
    page.wait_for_url("**/practice/referrals/")
    page.get_by_role("link", name="Maureen Oduya").click()
    page.wait_for_url(f"**/practice/referrals/{referral.pk}/")
    expect(page.get_by_text("Went with her to the Canal Street walking group")).to_be_visible()
    expect(page.get_by_text("871731000000106", exact=False).first).to_be_visible()
    assert_accessible(page)
