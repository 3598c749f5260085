"""The administrator's journey: add a link worker (first forgetting their team), then find
them in the list. axe-core checks every administration page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from socialrx.models import User
from tests.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_adds_a_link_worker_after_fixing_the_missing_team(page, admin_user, link_worker):
    # A long journey on a possibly busy machine: wait longer than the default for each step.
    page.set_default_timeout(30_000)
    login(page, admin_user.username)
    page.wait_for_url("**/manage/")
    assert_accessible(page)
    for link, heading, add in [
        ("Link-worker teams", "Link-worker teams", "Add a team"),
        ("Practices", "Practices", "Add a practice"),
        ("Primary care networks", "Primary care networks", "Add a PCN"),
    ]:
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
        page.get_by_role("link", name=add).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(add)
        assert_accessible(page)
        page.go_back()
        page.get_by_role("link", name="Back to administration").click()

    page.get_by_role("link", name="Users", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Add a user").click()
    assert_accessible(page)
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Newton")
    page.get_by_label("Username").fill("lw_nia")
    page.get_by_label("Email address").fill("nia@example.org")
    page.get_by_label("Role").select_option("link_worker")
    page.get_by_role("button", name="Add user").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Choose the team this link worker belongs to")
    assert_accessible(page)
    assert not User.objects.filter(username="lw_nia").exists()

    # The error summary's link takes the administrator to the field to fix.
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Team (optional)")).to_be_focused()
    page.get_by_label("Team (optional)").select_option(label=link_worker.team.name)
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nia Newton")
    assert_accessible(page)
    assert User.objects.get(username="lw_nia").team_id == link_worker.team_id

    page.get_by_role("link", name="Deactivate this user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Nia Newton?")
    assert_accessible(page)
    page.get_by_role("link", name="Back to the user").click()

    page.get_by_role("link", name="Back to users").click()
    page.get_by_label("Name or username").fill("nia")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_contain_text("lw_nia")
    expect(page.locator("#results")).not_to_contain_text("lw_anna")
