"""On a 375 px phone the caseload and the person page fit the screen: nothing scrolls
sideways, and the follow-up Save buttons are in view."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from referrals.models import ReferralStatus
from tests.assets.factories import AssetFactory
from tests.conftest import assert_accessible, login
from tests.referrals.factories import ConnectionFactory, GoalFactory, PersonFactory, ReferralFactory
from tests.socialrx.factories import LinkWorkerFactory, PracticeFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375
WIDER_THAN_SCREEN = """(width) => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""


@pytest.fixture
def case():
    team = TeamFactory(code="phone-team")
    practice = PracticeFactory(ods_code="PH001", team=team, name="Canal Street Surgery")
    worker = LinkWorkerFactory(username="lw_phone", first_name="Pat", last_name="Phone", team=team)
    person = PersonFactory(
        practice=practice,
        link_worker=worker,
        given_name="Maria",
        family_name="Quinn-Featherstonehaugh",
        communication_needs="Large print",
    )
    ReferralFactory(person=person, status=ReferralStatus.ACTIVE, referrer_name="Dr Patel")
    GoalFactory(person=person, description="Walk to the park every morning with a neighbour")
    ConnectionFactory(person=person, asset=AssetFactory(name="Canal walking group"))
    for _ in range(3):
        ReferralFactory(person=PersonFactory(practice=practice, link_worker=worker))
    return person


def _fits(page) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= WIDTH, (scroll_width, page.evaluate(WIDER_THAN_SCREEN, WIDTH))


def test_caseload_and_person_page_fit_a_375_px_phone(phone, case):
    login(phone, "lw_phone")
    phone.wait_for_url("**/my-day/")
    phone.goto("/caseload/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Caseload")
    _fits(phone)
    assert_accessible(phone)

    phone.goto(reverse("referrals:person", args=[case.pk]))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Maria")
    _fits(phone)
    assert_accessible(phone)
    # Every Save button of the follow-up forms lies inside the screen.
    saves = phone.get_by_role("button", name="Save")
    for i in range(saves.count()):
        box = saves.nth(i).bounding_box()
        if box is not None:
            assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
