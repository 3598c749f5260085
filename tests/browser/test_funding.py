"""The commissioner's funding view in a browser (charts drawn under the Content Security
Policy, accessible, fits a phone), and a group's keeper saying how many places it offers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from funding.models import PlacesOffered
from tests.conftest import assert_accessible, login
from tests.funding.world import funding_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _show_first_half_of_2026(page) -> None:
    page.get_by_label("From month").fill("2026-01")
    page.get_by_label("To month").fill("2026-06")
    page.get_by_role("button", name="Show these months").click()
    page.wait_for_url("**/funding/?first=2026-01&last=2026-06")


def test_commissioner_sees_where_referrals_land_and_where_money_goes(page, commissioner):
    funding_world(commissioner=commissioner)
    login(page, commissioner.username)
    page.get_by_role("link", name="Funding", exact=True).first.click()
    page.wait_for_url("**/funding/")
    _show_first_half_of_2026(page)
    expect(page.locator("#organisations-table")).to_contain_text("£5,950.68")
    expect(page.locator("#suppression-note")).to_be_visible()
    first_unfunded = page.locator("#unfunded-table tbody tr").first
    expect(first_unfunded).to_contain_text("Lunch club")
    for canvas in ("chart-per-connection", "chart-unfunded", "chart-routes"):
        assert page.evaluate(f"() => !!Chart.getChart(document.getElementById('{canvas}'))")
    expect(page.locator("#staffing-table")).to_contain_text("about 250")
    assert_accessible(page)


def test_funding_view_fits_a_phone(phone, commissioner):
    funding_world(commissioner=commissioner)
    login(phone, commissioner.username)
    for path in ("/funding/?first=2026-01&last=2026-06", "/funding/awards/"):
        phone.goto(path)
        wider = phone.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 376)
                .slice(0, 5).map(e => e.tagName + '#' + e.id)"""
        )
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, (path, wider)


def test_keeper_says_how_many_places_their_group_offers(page, volunteer):
    world = funding_world(volunteer=volunteer)
    login(page, volunteer.username)
    page.get_by_role("link", name="Referrals to your groups").first.click()
    page.wait_for_url("**/funding/my-groups/")
    section = page.locator(f"section[aria-labelledby='group-{world['craft'].pk}']")
    section.get_by_label("New people you can take each month").fill("4")
    section.get_by_label("From month").fill("2026-05")
    section.get_by_role("button", name="Save places").click()
    page.wait_for_url("**/funding/my-groups/")
    expect(page.get_by_text("Places for Craft circle saved.")).to_be_visible()
    assert PlacesOffered.objects.get(asset=world["craft"]).places == 4
    assert_accessible(page)
