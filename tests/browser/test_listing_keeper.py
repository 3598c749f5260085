"""A volunteer who keeps a group's listing, in a real browser, with JavaScript and without, on a
desktop and on a 375 px phone:

- edits the listing (session times, a new session, the start date, places) and then the
  members, and nothing else on the listing is lost: the dates come back as they were saved;
- answers reminder emails by their one-click links ("still running", "it has stopped", "it is
  full for now") without signing in.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from assets import services
from assets.models import Asset, Capacity
from assets.selectors import directory_base
from tests.assets.factories import AssetFactory, SessionFactory
from tests.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True},
}

# Everything on the listing the edit below must leave as it was.
UNCHANGED = (
    "name",
    "description",
    "venue_name",
    "postcode",
    "ended_on",
    "is_free",
    "cost",
    "first_visit",
    "ask_for",
    "getting_there",
    "languages",
    "step_free",
    "hearing_loop",
    "contact_email",
    "website",
)


@pytest.fixture
def context_for(browser, live_server):
    made = []

    def make(device: str, javascript: bool):
        context = browser.new_context(
            base_url=live_server.url, java_script_enabled=javascript, **DEVICES[device]
        )
        context.set_default_timeout(15_000)
        made.append(context)
        return context.new_page()

    yield make
    for context in made:
        context.close()


def _fits(page, device: str) -> None:
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


@pytest.mark.parametrize("device", sorted(DEVICES))
@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_volunteer_edits_times_places_members_and_start_date_and_nothing_is_lost(
    context_for, volunteer, device, javascript
):
    asset = AssetFactory(
        name="Riverside walking group",
        description="A gentle walk along the river, then tea.",
        venue_name="Riverside Café",
        postcode="M14 4PX",
        started_on=dt.date(2019, 3, 5),
        ended_on=dt.date(2030, 12, 31),
        is_free=False,
        cost="£2 a session, tea included",
        first_visit="Someone will meet you at the café door.",
        ask_for="Jean",
        getting_there="Bus 42 stops outside.",
        languages="English, Urdu",
        step_free=True,
        hearing_loop=False,
        contact_email="walks@example.org",
        website="https://example.org/walks",
        capacity=Capacity.OPEN,
        member_count=12,
        last_confirmed_at=timezone.now(),
    )
    asset.maintainers.add(volunteer)
    SessionFactory(asset=asset, weekday=1, starts_at=dt.time(10, 0), ends_at=dt.time(12, 0))
    before = Asset.objects.get(pk=asset.pk)

    page = context_for(device, javascript)
    login(page, volunteer.username)
    page.goto("/directory/mine/")
    page.locator(f"#listing-{asset.pk}").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Riverside walking group")
    # The dates and times stored come back in the form as they are.
    expect(page.get_by_label("Start date")).to_have_value("2019-03-05")
    expect(page.get_by_label("End date")).to_have_value("2030-12-31")
    expect(page.locator("#id_sessions-0-starts_at")).to_have_value("10:00")
    expect(page.locator("#id_sessions-0-ends_at")).to_have_value("12:00")
    _fits(page, device)
    if javascript:
        assert_accessible(page)

    # A mistake first: an end time before the start. Nothing is saved, the summary names it.
    page.locator("#id_sessions-0-ends_at").fill("09:00")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "The end time must be after the start time"
    )
    assert Asset.objects.get(pk=asset.pk).version == before.version
    # Nothing typed is lost either: the dates are still in the form.
    expect(page.get_by_label("Start date")).to_have_value("2019-03-05")
    expect(page.get_by_label("End date")).to_have_value("2030-12-31")
    if javascript:
        assert_accessible(page)

    page.get_by_label("Start date").fill("2024-04-01")
    page.locator("#id_sessions-0-starts_at").fill("10:30")
    page.locator("#id_sessions-0-ends_at").fill("12:30")
    page.locator("#id_sessions-1-weekday").select_option("3")
    page.locator("#id_sessions-1-starts_at").fill("18:00")
    page.get_by_label("Capacity").select_option(Capacity.LIMITED)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/directory/mine/")
    expect(page.locator("main")).to_contain_text("Riverside walking group is updated.")

    row = page.locator(f"#listing-{asset.pk}")
    expect(row.get_by_label("Members now")).to_have_value("12")
    row.get_by_label("Members now").fill("18")
    row.get_by_role("button", name="Update places and members").click()
    expect(page.locator(f"#listing-{asset.pk}")).to_contain_text("18 members")
    _fits(page, device)

    asset.refresh_from_db()
    assert asset.started_on == dt.date(2024, 4, 1)
    assert asset.capacity == Capacity.LIMITED
    assert asset.member_count == 18
    assert [(s.weekday, s.starts_at, s.ends_at) for s in asset.sessions.all()] == [
        (1, dt.time(10, 30), dt.time(12, 30)),
        (3, dt.time(18, 0), None),
    ]
    for name in UNCHANGED:
        assert getattr(asset, name) == getattr(before, name), name

    # Opened and saved again as it is: nothing changes (every date makes the round trip).
    page.locator(f"#listing-{asset.pk}").get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Start date")).to_have_value("2024-04-01")
    expect(page.locator("#id_sessions-1-starts_at")).to_have_value("18:00")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/directory/mine/")
    again = Asset.objects.get(pk=asset.pk)
    assert (again.started_on, again.ended_on) == (dt.date(2024, 4, 1), dt.date(2030, 12, 31))
    assert again.capacity == Capacity.LIMITED
    assert again.member_count == 18
    assert again.sessions.count() == 2

    # The history names what changed in plain words.
    page.goto(f"/directory/listings/{asset.pk}/history/")
    expect(page.locator("main")).to_contain_text("Start date")
    if javascript:
        assert_accessible(page)


def _links(message: str) -> dict[str, str]:
    """The one-click links of a reminder email, by the answer they give."""
    links = re.findall(r"https?://\S+", message)
    by_answer = {}
    for link in links:
        answer = link.split("answer=")[1] if "answer=" in link else services.RUNNING
        by_answer[answer] = link
    return by_answer


@pytest.mark.parametrize("device", sorted(DEVICES))
@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_volunteer_answers_reminders_by_their_one_click_links(
    context_for, live_server, settings, volunteer, device, javascript
):
    settings.SITE_URL = live_server.url
    volunteer.email = "eve@example.org"
    volunteer.save(update_fields=["email"])
    long_ago = timezone.now() - dt.timedelta(days=95)
    names = {
        services.RUNNING: "Knit and natter",
        services.STOPPED: "Saturday chess club",
        services.FULL: "Rooftop choir",
    }
    assets = {}
    for answer, name in names.items():
        assets[answer] = AssetFactory(name=name, last_confirmed_at=long_ago)
        assets[answer].maintainers.add(volunteer)
    assert services.listing_reminders_send() == 3
    emails = {m.subject: m for m in mail.outbox}
    assert set(emails) == {f"Is {name} still running?" for name in names.values()}

    page = context_for(device, javascript)
    for answer, asset in assets.items():
        email = emails[f"Is {asset.name} still running?"]
        assert email.to == ["eve@example.org"]
        links = _links(email.body)
        assert set(links) == {services.RUNNING, services.STOPPED, services.FULL}
        # Opening the link changes nothing (mail scanners open links): one button asks.
        page.goto(links[answer])
        asset.refresh_from_db()
        assert asset.is_stale() and asset.capacity == Capacity.OPEN and asset.ended_on is None
        expect(page.get_by_role("heading", level=1)).to_contain_text(asset.name)
        _fits(page, device)
        if javascript:
            assert_accessible(page)
        button = {
            services.RUNNING: "Yes, it is still running",
            services.STOPPED: "Yes, it has stopped",
            services.FULL: "Yes, it is full for now",
        }[answer]
        page.get_by_role("button", name=button).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        _fits(page, device)
        if javascript:
            assert_accessible(page)

    running, stopped, full = (
        Asset.objects.get(pk=assets[a].pk)
        for a in (services.RUNNING, services.STOPPED, services.FULL)
    )
    assert not running.is_stale()
    assert running.changes.get().via_email_link
    assert stopped.ended_on is not None
    assert not directory_base().filter(pk=stopped.pk).exists()
    assert full.capacity == Capacity.FULL

    # The public directory shows what the answers said.
    page.goto("/directory/")
    results = page.locator("#directory-results")
    expect(results).to_contain_text("Knit and natter")
    expect(results).not_to_contain_text("Saturday chess club")
    expect(results.locator("li", has_text="Rooftop choir")).to_contain_text("Full")
