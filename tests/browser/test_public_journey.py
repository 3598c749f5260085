"""A member of the public finds a group near their postcode, with a misspelt word, and asks for
a conversation from its listing: with JavaScript and without, on a desktop and on a 375 px
phone. Misspellings are found by trigram similarity, which needs PostgreSQL."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from socialrx.models import Postcode
from tests.assets.factories import AssetFactory
from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture
def groups(postgres_required):
    Postcode.objects.create(postcode="M11AE", latitude=53.4808, longitude=-2.2426)
    Postcode.objects.create(postcode="M144PX", latitude=53.4490, longitude=-2.2200)  # ~3.8 km
    now = timezone.now()
    AssetFactory(
        name="Canal walking group",
        description="A gentle walk along the towpath, then tea.",
        postcode="M14 4PX",
        last_confirmed_at=now,
    )
    AssetFactory(
        name="Rooftop choir",
        description="Singing for everyone.",
        postcode="M1 1AE",
        last_confirmed_at=now,
    )


@pytest.mark.parametrize("device", sorted(DEVICES))
@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_public_finds_a_group_near_them_with_a_misspelt_word_and_asks_for_a_conversation(
    browser, live_server, groups, device, javascript
):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=javascript, **DEVICES[device]
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_role("link", name="Find something near you").first.click()
        page.wait_for_url("**/directory/**")
        page.get_by_label("Search words").fill("walkng")
        page.get_by_label("Near postcode").fill("M1 1AE")
        page.get_by_role("button", name="Search").click()
        results = page.locator("#directory-results")
        expect(results).to_contain_text("Canal walking group")
        expect(results).not_to_contain_text("Rooftop choir")
        if javascript:
            assert_accessible(page)
        if device == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        results.get_by_role("link", name="Canal walking group").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Canal walking group")
        if javascript:
            assert_accessible(page)
        page.get_by_role("link", name="Ask for a conversation with a link worker").click()
        page.wait_for_url("**/ask/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ask for a conversation")
    finally:
        context.close()
