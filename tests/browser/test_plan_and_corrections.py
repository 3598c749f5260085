"""The printed plan and a conversation's correction in a browser: each page fits a 375 px
phone and passes axe; the plan prints without the site's header, footer or buttons; a
correction made without JavaScript shows in the conversation's history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from referrals.models import ReferralStatus
from tests.assets.factories import AssetFactory, SessionFactory
from tests.conftest import assert_accessible, login
from tests.referrals.factories import (
    ConnectionFactory,
    ConversationFactory,
    GoalFactory,
    PersonFactory,
    ReferralFactory,
)
from tests.socialrx.factories import LinkWorkerFactory, PracticeFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375


@pytest.fixture
def case():
    team = TeamFactory(code="plan-team", name="Central link workers")
    practice = PracticeFactory(ods_code="PL001", team=team)
    worker = LinkWorkerFactory(
        username="lw_plan", first_name="Pat", last_name="Plan", team=team, email="pat@nhs.example"
    )
    person = PersonFactory(practice=practice, link_worker=worker, given_name="Maria")
    ReferralFactory(person=person, status=ReferralStatus.ACTIVE)
    GoalFactory(person=person, description="Sing with other people every week")
    choir = AssetFactory(
        name="Canal Street Community Choir and Friends",
        venue_name="St Mark's Hall",
        address="12 Canal Street, Manchester",
        ask_for="Joan at the door",
        is_free=False,
        cost="£2 a week",
        step_free=True,
        contact_email="a-very-long-address.for-the-choir@community-groups.example.org",
    )
    SessionFactory(asset=choir, weekday=1, starts_at=dt.time(10, 30))
    ConnectionFactory(person=person, asset=choir)
    conversation = ConversationFactory(
        person=person, held_by=worker, what_matters="Meeting people", life_areas=["loneliness"]
    )
    return person, conversation


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_the_plan_fits_a_phone_and_prints_without_the_site_around_it(phone, case):
    person, _ = case
    login(phone, "lw_plan")
    phone.wait_for_url("**/my-day/")
    phone.goto(reverse("referrals:person", args=[person.pk]))
    phone.get_by_role("link", name="Their plan, to print").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your plan, Maria")
    expect(phone.locator("#plan")).to_contain_text("Joan at the door")
    _fits(phone)
    assert_accessible(phone)
    phone.emulate_media(media="print")
    expect(phone.locator("header.nhsuk-header")).to_be_hidden()
    expect(phone.get_by_role("button", name="Print this plan")).to_be_hidden()
    expect(phone.locator("#plan")).to_be_visible()


def test_the_conversation_page_and_its_correction_form_are_accessible(phone, case):
    _, conversation = case
    login(phone, "lw_plan")
    phone.wait_for_url("**/my-day/")
    phone.goto(reverse("referrals:conversation_detail", args=[conversation.pk]))
    expect(phone.locator("#life-areas")).to_contain_text("Loneliness and isolation")
    _fits(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Correct this conversation").click()
    expect(phone.get_by_label("Why are you correcting it?")).to_be_visible()
    _fits(phone)
    assert_accessible(phone)


def test_a_correction_without_javascript_shows_in_the_history(browser, live_server, case):
    _, conversation = case
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": WIDTH, "height": 700},
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        login(page, "lw_plan")
        page.goto(reverse("referrals:conversation_detail", args=[conversation.pk]))
        expect(page.locator("#life-areas")).to_contain_text("Loneliness and isolation")
        _fits(page)
        page.get_by_role("link", name="Correct this conversation").click()
        page.get_by_label("How many friends could you call on?").fill("3")
        page.get_by_role("button", name="Save the correction").click()
        expect(page.locator(".nhsuk-error-summary")).to_contain_text(
            "Enter why you are correcting this conversation"
        )
        page.get_by_label("Why are you correcting it?").fill("Forgot to ask about friends")
        page.get_by_role("button", name="Save the correction").click()
        expect(page.locator("#history + .sx-revision")).to_contain_text(
            "Forgot to ask about friends"
        )
        expect(page.locator(".sx-revision")).to_contain_text("by Pat Plan")
        _fits(page)
    finally:
        context.close()
