from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from referrals.models import Consent, ConsentPurpose, Referral, Source
from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_of_the_public_asks_for_a_conversation(page, practice_a, link_worker):
    cache.clear()
    page.goto("/ask/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ask for a conversation", use_inner_text=True
    )
    assert_accessible(page)

    # Sending it empty explains what is missing, accessibly.
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter your first name", use_inner_text=True
    )
    # Each purpose is asked on its own, and a missing answer is named.
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Tick the box to agree that a link worker may contact you", use_inner_text=True
    )
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose yes if we may use your information in figures, or no", use_inner_text=True
    )
    assert_accessible(page)

    page.get_by_label("Your first name").fill("Sam")
    page.get_by_label("Your last name").fill("Rivers")
    page.get_by_label("Your postcode").fill("M1 1AE")
    page.get_by_label("Your GP practice").select_option(label="Canal Street Surgery")
    page.get_by_label("Phone number").fill("07700 900456")
    page.get_by_label("What would you like to talk about?").fill("I would like to meet people.")
    page.get_by_label("I agree that a link worker may contact me").check()
    page.get_by_role("group", name=re.compile("share your name and contact details")).get_by_label(
        "No"
    ).check()
    page.get_by_role("group", name=re.compile("figures that do not identify you")).get_by_label(
        "Yes, I agree"
    ).check()
    # The honeypot is not reachable for people.
    assert (
        not page.locator("#id_website").is_visible()
        or page.locator("[aria-hidden=true] #id_website").count() == 1
    )
    page.get_by_role("button", name="Send").click()

    page.wait_for_url("**/ask/thank-you/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "we have your request", use_inner_text=True
    )
    assert_accessible(page)
    referral = Referral.objects.get()
    assert referral.source == Source.SELF
    assert referral.person.practice == practice_a
    assert referral.link_worker == link_worker
    answers = {c.purpose: c.given for c in Consent.objects.filter(person=referral.person)}
    assert answers == {
        ConsentPurpose.CONTACT: True,
        ConsentPurpose.SHARE_WITH_GROUP: False,
        ConsentPurpose.DEIDENTIFIED_FIGURES: True,
    }
