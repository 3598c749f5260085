"""Messages to people in a real browser, on a 375 px phone: from the person's page, preview
and send "we tried to reach you"; a team's wording previewed with the length of a text. Every
page fits the screen and passes axe-core."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import (
    ConsentPurpose,
    ContactAttempt,
    Message,
    MessageChannel,
    MessageKind,
    MessageStatus,
)
from referrals.services.consent import consent_record
from tests.conftest import assert_accessible, login
from tests.referrals.factories import PersonFactory, ReferralFactory
from tests.socialrx.factories import LinkWorkerFactory, PracticeFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


@pytest.fixture
def case(settings):
    settings.NOTIFY_API_KEY = ""
    team = TeamFactory(code="msg-team", phone="0161 496 0000")
    practice = PracticeFactory(ods_code="MS001", team=team)
    worker = LinkWorkerFactory(username="lw_msg", first_name="Mo", last_name="Sage", team=team)
    person = PersonFactory(
        practice=practice,
        link_worker=worker,
        given_name="Maria",
        family_name="Quinn",
        phone="07700 900123",
        address="12 Canal Street\nManchester",
    )
    ReferralFactory(person=person, link_worker=worker)
    consent_record(
        person=person,
        answers={ConsentPurpose.CONTACT: True, ConsentPurpose.SMS: True},
        by=worker,
        source="conversation",
    )
    ContactAttempt.objects.create(
        person=person, method="phone", outcome="no_answer", attempted_at=timezone.now()
    )
    Message.objects.create(
        person=person,
        channel=MessageChannel.LETTER,
        kind=MessageKind.PLAN_AGREED,
        status=MessageStatus.REFUSED,
        body="Dear Maria, here is the plan you agreed with Mo Sage: walk to the park every day.",
        reason="They have not been asked whether they agree to letters",
        sent_by=worker,
    )
    return person


def test_send_we_tried_to_reach_you_on_a_phone(phone, case):
    login(phone, "lw_msg")
    phone.wait_for_url("**/my-day/")
    phone.goto(reverse("referrals:person", args=[case.pk]))
    messages = phone.locator("#message-channels")
    expect(messages).to_contain_text("Text message: yes")
    expect(messages).to_contain_text("Email: no. They have not been asked")
    expect(phone.locator("#message-history")).to_contain_text("Not sent: no consent")
    _fits(phone)
    assert_accessible(phone)

    phone.get_by_role("link", name="Send “we tried to reach you”").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Send Maria Quinn a message")
    phone.get_by_label("Text message to 07700900123").check()
    phone.get_by_role("button", name="Preview").click()
    expect(phone.locator("#message-preview")).to_contain_text("Hello Maria, Mo Sage")
    expect(phone.locator("#sms-length")).to_contain_text("sent as 1 text message")
    _fits(phone)
    assert_accessible(phone)

    phone.get_by_role("button", name="Send", exact=True).click()
    phone.wait_for_url(f"**/people/{case.pk}/**")
    expect(phone.locator("body")).to_contain_text("Message sent.")
    sent = Message.objects.get(channel=MessageChannel.SMS)
    assert sent.status == MessageStatus.SENT and sent.kind == MessageKind.TRIED_TO_REACH


def test_team_wording_preview_on_a_phone(phone, case):
    login(phone, "lw_msg")
    phone.wait_for_url("**/my-day/")
    phone.goto(reverse("referrals:message_templates"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Wording of messages")
    _fits(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Change We tried to reach you by text message").click()
    phone.get_by_label("Message").fill("Hi ((first_name)), please call ((team_phone)).")
    phone.get_by_role("button", name="Preview").click()
    expect(phone.locator("#template-preview")).to_contain_text("Hi Sam, please call 0161 496 0000.")
    expect(phone.locator("#sms-length")).to_contain_text("sent as 1 text message")
    _fits(phone)
    assert_accessible(phone)
