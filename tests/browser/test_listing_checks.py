"""A listing nobody has confirmed for a long time: the public sees "being checked" (on a phone
and a desktop); a link worker still sees it, marked, and reports that details are wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assets.models import ListingReport
from tests.assets.factories import AssetFactory
from tests.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def old_listing(db):
    return AssetFactory(
        name="Quiet knitting group",
        last_confirmed_at=timezone.now() - dt.timedelta(days=400),
    )


@pytest.mark.parametrize("device", ["phone", "page"])
def test_public_sees_a_long_unconfirmed_listing_is_being_checked(request, device, old_listing):
    page = request.getfixturevalue(device)
    page.goto(f"/directory/listings/{old_listing.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This listing is being checked")
    expect(page.locator("main")).not_to_contain_text("Quiet knitting group")
    assert_accessible(page)
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_link_worker_sees_it_marked_and_reports_wrong_details(page, link_worker, old_listing):
    login(page, link_worker.username)
    page.goto(f"/directory/listings/{old_listing.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiet knitting group")
    expect(page.locator("main")).to_contain_text("hidden from the public")
    page.get_by_role("link", name="Report that Quiet knitting group has stopped").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Report a problem with Quiet knitting group"
    )
    assert_accessible(page)

    # A mistake first: the error summary says what is missing; nothing is sent.
    page.get_by_label("What is wrong?").select_option("wrong")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say which details are wrong")
    assert not ListingReport.objects.exists()
    assert_accessible(page)

    page.get_by_label("What you know").fill("It meets on Thursdays now.")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("main")).to_contain_text("the moderators have been told")
    report = ListingReport.objects.get()
    assert (report.kind, report.note) == ("wrong", "It meets on Thursdays now.")
