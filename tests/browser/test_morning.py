"""A link worker's morning in a real browser, end to end: open "My day", call someone who does
not answer, book an appointment, reach them, re-measure with a check-in, connect them to a
group, the group's keeper answers by the emailed link and the follow-up closes. Then a second
referral of someone already supported joins their open case."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import (
    Appointment,
    ConnectionOutcome,
    ConsentPurpose,
    ContactAttempt,
    Referral,
    ReferralStatus,
    Task,
    TaskKind,
    TaskStatus,
)
from tests.assets.factories import AssetFactory
from tests.conftest import assert_accessible, login
from tests.referrals.factories import ConsentFactory, PersonFactory, ReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def morning(practice_a, link_worker, volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save(update_fields=["email"])
    asset = AssetFactory(name="Riverside walking group")
    asset.maintainers.add(volunteer)
    person = PersonFactory(
        practice=practice_a,
        link_worker=link_worker,
        given_name="Maria",
        family_name="Quinn",
        nhs_number="9434765919",
        date_of_birth=dt.date(1958, 3, 14),
    )
    for purpose in (ConsentPurpose.CONTACT, ConsentPurpose.SHARE_WITH_GROUP):
        ConsentFactory(person=person, purpose=purpose, given=True)
    referral = ReferralFactory(
        person=person,
        link_worker=link_worker,
        status=ReferralStatus.RECEIVED,
        received_on=timezone.localdate() - dt.timedelta(days=3),
        referrer_name="Dr Patel",
    )
    return {"person": person, "referral": referral, "asset": asset}


def _attempt(page, outcome: str) -> None:
    form = page.locator("#contact-attempt-form")
    form.get_by_label("How").select_option(label="Phone")
    form.get_by_label("What happened").select_option(label=outcome)
    form.get_by_role("button", name="Record attempt").click()


def test_a_link_workers_morning(page, morning, link_worker):
    person, referral = morning["person"], morning["referral"]
    today = timezone.localdate()
    mail.outbox.clear()

    login(page, link_worker.username)
    page.wait_for_url("**/my-day/")
    waiting = page.locator("#waiting-referrals")
    expect(waiting).to_contain_text("Maria Quinn")
    expect(waiting).to_contain_text("3")
    assert_accessible(page)

    # She does not answer: the attempt is kept, and trying again goes on the list.
    waiting.get_by_role("link", name="Maria Quinn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maria Quinn")
    _attempt(page, "No answer")
    expect(page.locator("#contact-attempts ~ *").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("No answer")
    retry = Task.objects.get(person=person, kind=TaskKind.CONTACT_RETRY)
    assert retry.status == TaskStatus.OPEN

    # Book a phone appointment for tomorrow; it shows on "My day".
    form = page.locator("#appointment-form")
    form.get_by_label("Appointment for").select_option(label="Conversation")
    tomorrow = today + dt.timedelta(days=1)
    form.get_by_label("Date").fill(tomorrow.isoformat())
    form.get_by_label("Time").fill("10:30")
    form.get_by_label("How").select_option(label="Phone call")
    form.get_by_role("button", name="Book appointment").click()
    expect(page.locator("#person-appointments")).to_contain_text("10:30")
    assert Appointment.objects.filter(person=person).count() == 1

    page.get_by_role("link", name="My day").first.click()
    page.wait_for_url("**/my-day/")
    expect(page.locator("main")).to_contain_text("10:30: Maria Quinn")
    expect(page.locator(f"#task-{retry.pk}")).to_contain_text("Try contacting them again")

    # She calls back: reached. First contact is made and the retry is settled.
    page.get_by_role("link", name="Maria Quinn").first.click()
    _attempt(page, "Reached")
    expect(page.locator("main")).to_contain_text("Reached")
    referral.refresh_from_db()
    retry.refresh_from_db()
    assert referral.status == ReferralStatus.CONTACTED
    assert retry.status == TaskStatus.DONE

    # A check-in re-measures friends without a whole conversation.
    page.get_by_role("link", name="Check in: friends and wellbeing").click()
    page.get_by_label("How many friends could you call on?").fill("3")
    assert_accessible(page)
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maria Quinn")
    expect(page.locator("main")).to_contain_text("Check-in")

    # Connect her to a group with a keeper: the keeper is emailed.
    page.get_by_role("link", name="Connect to a group or activity").first.click()
    page.get_by_label("Search the directory by name").fill("riverside")
    page.get_by_role("link", name="Riverside walking group").click()
    page.get_by_label("Accompanied (went with them)").check()
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("main")).to_contain_text("emailed to ask whether they came")
    connection = person.connections.get()
    follow_up = Task.objects.get(connection=connection)
    assert follow_up.kind == TaskKind.CONNECTION_FOLLOW_UP
    assert follow_up.status == TaskStatus.OPEN
    keeper_mail = [m for m in mail.outbox if "eve@example.org" in m.to]
    assert len(keeper_mail) == 1
    link = re.search(r"They came:\n(\S+)", keeper_mail[0].body).group(1)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    # The keeper answers from the email, without signing in.
    keeper = page.context.browser.new_context(base_url=page.url.split("/people")[0])
    keeper_page = keeper.new_page()
    keeper_page.goto(path)
    expect(keeper_page.get_by_role("heading", level=1)).to_have_text(
        "Did Maria come to Riverside walking group?"
    )
    expect(keeper_page.locator("main")).not_to_contain_text("Quinn")
    keeper_page.get_by_role("button", name="Send my answer").click()
    expect(keeper_page.locator(".nhsuk-panel")).to_contain_text("Thank you")
    keeper.close()

    # The follow-up closed itself; the answer is on the connection.
    connection.refresh_from_db()
    follow_up.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.ATTENDED
    assert follow_up.status == TaskStatus.DONE
    page.reload()
    expect(page.locator(f"#connection-{connection.pk}")).to_contain_text(
        "Group's answer: They came"
    )
    page.get_by_role("link", name="My day").first.click()
    page.wait_for_url("**/my-day/")
    expect(page.locator(f"#task-{follow_up.pk}")).to_have_count(0)
    expect(page.locator("#waiting-referrals", has_text="Maria Quinn")).to_have_count(0)
    assert ContactAttempt.objects.filter(person=person).count() == 2
    assert_accessible(page)


def test_a_second_referral_of_someone_supported_joins_their_case(
    page, morning, practice_staff, link_worker
):
    cache.clear()
    person, referral = morning["person"], morning["referral"]
    mail.outbox.clear()

    login(page, practice_staff.username)
    page.goto("/practice/refer/")
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Last name").fill("Quinn")
    page.get_by_label("NHS number").fill("943 476 5919")
    dob = page.get_by_role("group", name=re.compile("Date of birth"))
    if dob.count():
        dob.get_by_label("Day").fill("14")
        dob.get_by_label("Month").fill("3")
        dob.get_by_label("Year").fill("1958")
    else:
        page.get_by_label("Date of birth").fill("1958-03-14")
    page.get_by_label("Postcode").fill("M1 1AE")
    page.get_by_label("Reason for referral").fill("Lonely since her husband died.")
    page.get_by_label("They agree that a link worker may contact them").check()
    page.get_by_role("group", name=re.compile("share their name")).get_by_label("Yes").first.check()
    page.get_by_role("group", name=re.compile("figures that do not identify them")).get_by_label(
        "Yes"
    ).first.check()
    page.get_by_role("button", name=re.compile("Send|Refer")).first.click()

    # Her NHS number finds her record: the referral is added to her open case.
    expect(page.locator("main")).to_contain_text("already being supported by Central link workers")
    assert_accessible(page)

    second = Referral.objects.exclude(pk=referral.pk).get(person=person)
    assert second.status == ReferralStatus.JOINED_CASE
    assert second.joined_case == referral
    assert person.referrals.filter(status__in=["received", "contacted", "active"]).count() == 1
    told = [m for m in mail.outbox if link_worker.email in m.to]
    assert told and f"open case {referral.pk}" in told[0].subject

    # The named link worker sees it on her record.
    page.context.clear_cookies()
    login(page, link_worker.username)
    page.wait_for_url("**/my-day/")
    page.goto(f"/people/{person.pk}/")
    expect(page.locator("main")).to_contain_text("Added to an open case")
