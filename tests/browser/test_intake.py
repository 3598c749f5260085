from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from referrals.models import Consent, ConsentPurpose, Referral, Source
from tests.conftest import assert_accessible, login
from tests.referrals.factories import PersonFactory, ReferralFactory

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


def test_link_worker_confirms_a_possible_match_from_the_public_form(page, practice_a, link_worker):
    """The public form attaches to no one; the link worker confirms the possible match and
    chooses which typed details to copy."""
    cache.clear()
    sam = PersonFactory(
        practice=practice_a,
        link_worker=link_worker,
        given_name="Sam",
        family_name="Rivers",
        date_of_birth=dt.date(1958, 2, 3),
        postcode="M1 1AE",
        email="sam.rivers@example.org",
    )
    ReferralFactory(person=sam, link_worker=link_worker)
    page.goto("/ask/")
    page.get_by_label("Your first name").fill("Sam")
    page.get_by_label("Your last name").fill("Rivers")
    page.get_by_label("Your date of birth").fill("1958-02-03")
    page.get_by_label("Your postcode").fill("M1 1AE")
    page.get_by_label("Your GP practice").select_option(label="Canal Street Surgery")
    page.get_by_label("Email address").fill("sam.new@example.org")
    page.get_by_label("What would you like to talk about?").fill("I would like to meet people.")
    page.get_by_label("I agree that a link worker may contact me").check()
    page.get_by_role("group", name=re.compile("share your name and contact details")).get_by_label(
        "Yes, I agree"
    ).check()
    page.get_by_role("group", name=re.compile("figures that do not identify you")).get_by_label(
        "Yes, I agree"
    ).check()
    page.get_by_role("button", name="Send").click()
    # Matching against existing records can take a while on a busy machine.
    expect(page).to_have_url(re.compile(r"/ask/thank-you/$"), timeout=30_000)
    asked = Referral.objects.exclude(person=sam).get()

    login(page, link_worker.username)
    page.goto(f"/people/{asked.person_id}/")
    expect(page.locator(".nhsuk-warning-callout")).to_contain_text(
        "Possible match: same name, date of birth and postcode as Sam Rivers",
        use_inner_text=True,
    )
    page.get_by_role("link", name="Confirm or reject the possible match").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Possible match", use_inner_text=True
    )
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose whether this is the same person", use_inner_text=True
    )
    assert_accessible(page)
    page.get_by_label("Yes, the same person").check()
    page.get_by_label("Email address").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/people/{sam.pk}/")
    expect(page.get_by_text(f"Referral {asked.pk} is now on the matched person")).to_be_visible()
    sam.refresh_from_db()
    assert sam.email == "sam.new@example.org"
