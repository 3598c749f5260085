"""A volunteer on a phone logs their hours (htmx, no page reload) and sees their total."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from champions.models import HoursLog
from tests.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_volunteer_logs_hours_on_a_phone(phone, volunteer):
    page = phone
    login(page, volunteer.username)
    page.wait_for_url("**/volunteers/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Hello Eve$"))
    assert_accessible(page)

    page.get_by_role("link", name="Log your hours").click()
    page.wait_for_url("**/volunteers/hours/")
    # Fits the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # A mistake first: the error summary appears in place, nothing is saved.
    page.get_by_label("Hours").fill("-1")
    page.get_by_label("What did you do?").fill("Walked with the group")
    page.get_by_role("button", name="Save hours").click()
    page.get_by_text("There is a problem").wait_for()
    expect(page.get_by_role("alert").get_by_text("Hours must be more than 0")).to_be_visible()
    assert HoursLog.objects.count() == 0
    assert_accessible(page)

    page.get_by_label("Hours").fill("1.5")
    page.get_by_label("What did you do?").fill("Walked with the group")
    page.get_by_role("button", name="Save hours").click()
    page.get_by_text("Your hours have been saved.").wait_for()
    expect(page.locator("#entries").get_by_text("Walked with the group")).to_be_visible()
    # The form is cleared for the next entry and the page did not reload.
    assert page.get_by_label("What did you do?").input_value() == ""
    assert page.url.endswith("/volunteers/hours/")
    entry = HoursLog.objects.get()
    assert entry.hours == Decimal("1.5")
    assert_accessible(page)

    page.get_by_role("link", name="Back to my volunteering").click()
    expect(page.locator("#total-hours")).to_have_text(re.compile(r"^\s*1\.5 hours"))
