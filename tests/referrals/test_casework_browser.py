"""The link worker's main journey in a real browser, with axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from referrals.models import Goal, ReferralStatus
from referrals.services.goals import goal_status_set
from tests.assets.factories import AssetFactory
from tests.conftest import assert_accessible, login
from tests.referrals.factories import ConnectionFactory, GoalFactory, PersonFactory, ReferralFactory
from tests.socialrx.factories import LinkWorkerFactory, PracticeFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey():
    team = TeamFactory(code="browser-team")
    practice = PracticeFactory(ods_code="BR001", team=team)
    worker = LinkWorkerFactory(
        username="lw_browser", first_name="Bea", last_name="Worker", team=team
    )
    person = PersonFactory(
        practice=practice,
        link_worker=worker,
        given_name="Maria",
        family_name="Quinn",
        communication_needs="Large print",
    )
    ReferralFactory(person=person, status=ReferralStatus.RECEIVED, referrer_name="Dr Patel")
    GoalFactory(person=person, description="Walk to the park")
    ConnectionFactory(person=person, asset=AssetFactory(name="Canal walking group"))
    for _ in range(3):
        other = PersonFactory(practice=practice, link_worker=worker)
        ReferralFactory(person=other)
    return {"worker": worker, "person": person}


def test_link_worker_journey(page, journey):
    person = journey["person"]
    login(page, "lw_browser")
    # Signing in lands a link worker on "My day"; wait for it rather than racing it.
    page.wait_for_url("**/my-day/")
    assert_accessible(page)
    page.get_by_role("link", name="Caseload").click()
    page.wait_for_url("**/caseload/")
    assert_accessible(page)

    # Search goes by POST: the name never reaches the address bar.
    page.get_by_label("Name or NHS number").fill("Quinn")
    page.get_by_role("button", name="Search").click()
    # Maria is on the unfiltered list too: wait for the results to narrow, not for her link.
    expect(page.locator("#caseload-table tbody tr")).to_have_count(1)
    assert "Quinn" not in page.url

    page.get_by_role("link", name="Maria Quinn").click()
    page.get_by_role("heading", name="Maria Quinn").wait_for()
    assert_accessible(page)

    # Add a goal with htmx: the row appears without a page load.
    page.get_by_label("Goal, in the person's words").fill("Join the choir")
    page.get_by_role("button", name="Add goal").click()
    page.locator("#goal-rows tr", has_text="Join the choir").wait_for()
    assert Goal.objects.filter(person=person, description="Join the choir").exists()

    page.get_by_role("link", name="Log a conversation").first.click()
    page.get_by_label("What matters to you?").fill("My dog and my garden")
    page.get_by_label("How many friends could you call on?").fill("2")
    assert_accessible(page)
    page.get_by_role("button", name="Save conversation").click()
    page.locator("#timeline-list", has_text="My dog and my garden").wait_for()

    page.goto(f"/people/{person.pk}/connections/new/", wait_until="domcontentloaded")
    page.get_by_label("Search the directory by name").fill("canal")
    page.get_by_role("link", name="Canal walking group").click()
    page.get_by_label("Accompanied (went with them)").check()
    assert_accessible(page)
    page.get_by_role("button", name="Connect").click()
    page.locator("#connections-table").wait_for()
    assert page.locator("#connections-table tbody tr").count() == 2


def test_goal_row_changed_meanwhile_says_so_in_place_and_saves_on_retry(page, journey):
    """A colleague changes a goal while the page is open: the htmx row says so, keeps the
    choice, and a second save applies it."""
    person = journey["person"]
    goal = Goal.objects.get(person=person, description="Walk to the park")
    login(page, "lw_browser")
    page.wait_for_url("**/my-day/")
    page.goto(f"/people/{person.pk}/", wait_until="domcontentloaded")
    goal_status_set(goal=goal, status="working_on_it", by=journey["worker"])

    row = page.locator(f"#goal-{goal.pk}")
    row.get_by_label("How is it going?").select_option("achieved")
    row.get_by_role("button", name="Save goal status").click()
    expect(row).to_contain_text("Someone else changed this goal while you were editing it")
    expect(row).to_contain_text("it is now “Working on it”")
    assert_accessible(page)
    goal.refresh_from_db()
    assert goal.status == "working_on_it"

    row.get_by_role("button", name="Save goal status").click()
    expect(row).not_to_contain_text("Someone else changed")
    goal.refresh_from_db()
    assert goal.status == "achieved"
