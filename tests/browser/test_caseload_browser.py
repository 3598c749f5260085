"""The caseload in a browser: sortable headers with aria-sort, with htmx and without
JavaScript, and a search that never reaches the address bar."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from referrals.models import ReferralStatus
from tests.conftest import assert_accessible, login
from tests.referrals.factories import PersonFactory, ReferralFactory
from tests.socialrx.factories import LinkWorkerFactory, PracticeFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def caseload():
    team = TeamFactory(code="sort-team")
    practice = PracticeFactory(ods_code="SO001", team=team)
    worker = LinkWorkerFactory(username="lw_sort", team=team)
    for given, family, born in (
        ("Zara", "Young", dt.date(1990, 1, 1)),
        ("Adam", "Abbott", dt.date(1950, 1, 1)),
        ("Mo", "Middle", dt.date(1970, 1, 1)),
    ):
        person = PersonFactory(
            practice=practice,
            link_worker=worker,
            given_name=given,
            family_name=family,
            date_of_birth=born,
        )
        ReferralFactory(person=person, status=ReferralStatus.ACTIVE)


def _first_name_cell(page):
    return page.locator("#caseload-table tbody tr").first.locator("td").first


def test_sorting_with_htmx_keeps_aria_sort_and_a_search_out_of_the_url(page, caseload):
    login(page, "lw_sort")
    page.wait_for_url("**/my-day/")
    page.goto("/caseload/")
    name_header = page.locator('th[data-column="name"]')
    expect(name_header).to_have_attribute("aria-sort", "none")
    name_header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page.locator('th[data-column="name"]')).to_have_attribute("aria-sort", "ascending")
    expect(_first_name_cell(page)).to_contain_text("Adam Abbott")
    page.locator('th[data-column="name"]').get_by_role("link").click()
    expect(page.locator('th[data-column="name"]')).to_have_attribute("aria-sort", "descending")
    expect(_first_name_cell(page)).to_contain_text("Zara Young")
    assert_accessible(page)

    page.get_by_label("Name or NHS number").fill("a")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Search results:")).to_be_visible()
    # The search keeps the order in force, and the sort button posts the search again.
    expect(_first_name_cell(page)).to_contain_text("Zara Young")
    page.locator('th[data-column="date_of_birth"]').get_by_role("button").click()
    expect(page.locator('th[data-column="date_of_birth"]')).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(_first_name_cell(page)).to_contain_text("Adam Abbott")
    assert "q=" not in page.url and "Zara" not in page.url
    assert_accessible(page)


def test_sorting_and_filtering_work_without_javascript(browser, live_server, caseload):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        login(page, "lw_sort")
        page.wait_for_url("**/my-day/")
        page.goto("/caseload/")
        page.locator('th[data-column="date_of_birth"]').get_by_role("link").click()
        expect(page.locator('th[data-column="date_of_birth"]')).to_have_attribute(
            "aria-sort", "ascending"
        )
        expect(_first_name_cell(page)).to_contain_text("Adam Abbott")
        page.get_by_label("Referral status").select_option("active")
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(r"status=active"))
        # The order chosen before is kept when the filters change.
        assert "sort=date_of_birth" in page.url
        expect(page.locator("#caseload-table tbody tr")).to_have_count(3)
        expect(page.locator('th[data-column="date_of_birth"]')).to_have_attribute(
            "aria-sort", "ascending"
        )
    finally:
        context.close()
