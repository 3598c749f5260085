"""Messages to people: texts, emails and letters, sent through GOV.UK Notify when a key is set
(a fake client here: never the network) and the email backend or the log otherwise; recorded
on the person's record; never sent by a channel the person has not agreed to; reminders the
day before an appointment, once each."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals.models import (
    Appointment,
    AppointmentKind,
    AppointmentMode,
    ConsentPurpose,
    ContactAttempt,
    GoalStatus,
    Message,
    MessageChannel,
    MessageKind,
    MessageStatus,
)
from referrals.selectors.messages import channel_checks, letter_address, plan_text
from referrals.services import message_backends
from referrals.services.consent import consent_record
from referrals.services.messages import (
    appointment_reminders_send,
    message_deliver,
    message_send,
)
from referrals.tasks import appointment_reminders_send_task
from socialrx.models import AuditLog
from tests.referrals.factories import ConnectionFactory, GoalFactory

pytestmark = pytest.mark.django_db

P = ConsentPurpose
ALL_CHANNELS = {P.CONTACT: True, P.SMS: True, P.EMAIL: True, P.LETTER: True}


class FakeNotify:
    """Stands in for NotificationsAPIClient: keeps each call, answers like Notify."""

    instances: list[FakeNotify] = []

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.calls: list[tuple[str, dict]] = []
        FakeNotify.instances.append(self)

    def _answer(self, name: str, kwargs: dict) -> dict:
        self.calls.append((name, kwargs))
        return {"id": f"notify-{len(self.calls)}"}

    def send_sms_notification(self, **kwargs):
        return self._answer("sms", kwargs)

    def send_email_notification(self, **kwargs):
        return self._answer("email", kwargs)

    def send_letter_notification(self, **kwargs):
        return self._answer("letter", kwargs)


@pytest.fixture
def notify(settings, monkeypatch):
    settings.NOTIFY_API_KEY = "test-key-not-real"
    settings.NOTIFY_TEMPLATE_ID_SMS = "tpl-sms"
    settings.NOTIFY_TEMPLATE_ID_EMAIL = "tpl-email"
    settings.NOTIFY_TEMPLATE_ID_LETTER = "tpl-letter"
    FakeNotify.instances = []
    monkeypatch.setattr(message_backends, "notify_client", FakeNotify)
    return FakeNotify


@pytest.fixture
def no_notify(settings, monkeypatch):
    """No key: and any attempt to build a Notify client fails the test."""
    settings.NOTIFY_API_KEY = ""

    def refuse(api_key):
        raise AssertionError("Notify must not be used without a key")

    monkeypatch.setattr(message_backends, "notify_client", refuse)


@pytest.fixture
def reachable(person, referral, link_worker, team_a):
    """The fixture's person with a mobile, an email, an address, and every channel agreed."""
    person.phone = "07700 900123"
    person.email = "maria.quinn@example.org"
    person.address = "12 Canal Street\nManchester"
    person.save()
    team_a.phone = "0161 496 0000"
    team_a.save()
    consent_record(person=person, answers=ALL_CHANNELS, by=link_worker, source="conversation")
    return person


@pytest.fixture
def appointment(reachable, link_worker):
    starts = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(10, 30))
    )
    return Appointment.objects.create(
        person=reachable,
        link_worker=link_worker,
        kind=AppointmentKind.CONVERSATION,
        starts_at=starts,
        mode=AppointmentMode.IN_PERSON,
        place="Riverside Centre",
    )


def _send(person, by, channel=MessageChannel.SMS, kind=MessageKind.TRIED_TO_REACH, **kw):
    return message_send(person=person, kind=kind, channel=channel, by=by, **kw)


# --- backends --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "call", "address_key"),
    [
        (MessageChannel.SMS, "sms", "phone_number"),
        (MessageChannel.EMAIL, "email", "email_address"),
    ],
)
def test_with_a_key_texts_and_emails_go_through_notify(
    notify, reachable, link_worker, django_capture_on_commit_callbacks, channel, call, address_key
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(reachable, link_worker, channel=channel)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_id == "notify-1" and message.sent_at is not None
    (client,) = notify.instances
    assert client.api_key == "test-key-not-real"
    ((name, kwargs),) = client.calls
    assert name == call
    assert kwargs["template_id"] == f"tpl-{call}"
    assert kwargs[address_key] == message.to_address
    assert kwargs["personalisation"]["body"] == message.body
    assert "Maria" in kwargs["personalisation"]["body"]
    assert kwargs["reference"] == f"socialrx-message-{message.pk}"


def test_a_letter_goes_through_notify_with_the_address(
    notify, reachable, link_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(reachable, link_worker, channel=MessageChannel.LETTER)
    ((name, kwargs),) = notify.instances[0].calls
    assert name == "letter" and kwargs["template_id"] == "tpl-letter"
    personalisation = kwargs["personalisation"]
    assert personalisation["address_line_1"] == "Maria Quinn"
    assert personalisation["address_line_2"] == "12 Canal Street"
    assert personalisation["address_line_4"] == "M1 1AE"
    assert personalisation["subject"] == "We tried to reach you"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_notify_refusing_marks_the_message_failed_without_its_words(
    notify, reachable, link_worker, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications_python_client.errors import HTTPError

    class Response:
        status_code = 400

        def json(self):
            return {"errors": [{"message": "phone_number 07700 900123 is not allowed"}]}

    def refuse(self, **kwargs):
        raise HTTPError(Response())

    monkeypatch.setattr(FakeNotify, "send_sms_notification", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(reachable, link_worker)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.reason == "GOV.UK Notify did not accept it (status 400)"
    assert "07700" not in message.reason


def test_a_missing_notify_template_id_fails_the_message(
    notify, settings, reachable, link_worker, django_capture_on_commit_callbacks
):
    settings.NOTIFY_TEMPLATE_ID_SMS = ""
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(reachable, link_worker)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "No GOV.UK Notify template" in message.reason
    assert notify.instances == []


def test_without_a_key_email_goes_by_the_email_backend(
    no_notify, reachable, link_worker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(reachable, link_worker, channel=MessageChannel.EMAIL)
    (email,) = mailoutbox
    assert email.to == ["maria.quinn@example.org"]
    assert email.subject == "We tried to reach you"
    assert email.body == message.body
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


@pytest.mark.parametrize("channel", [MessageChannel.SMS, MessageChannel.LETTER])
def test_without_a_key_texts_and_letters_are_logged_without_personal_data(
    no_notify, reachable, link_worker, caplog, django_capture_on_commit_callbacks, channel
):
    caplog.set_level(logging.INFO)
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(reachable, link_worker, channel=channel)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    logged = caplog.text
    assert f"Message {message.pk} ({channel}, tried_to_reach)" in logged
    for personal in ("Maria", "Quinn", "07700", "900123", "Canal Street", "M1 1AE"):
        assert personal not in logged


def test_delivering_twice_sends_once(notify, reachable, link_worker):
    message = _send(reachable, link_worker)  # not committed: the job has not run
    assert message_deliver(message_id=message.pk) == MessageStatus.SENT
    assert message_deliver(message_id=message.pk) == MessageStatus.SENT
    assert len(notify.instances[0].calls) == 1
    assert message_deliver(message_id=999999) == ""


# --- consent ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({}, "They have not been asked whether a link worker may contact them"),
        ({P.CONTACT: False, P.SMS: True}, "They have not agreed to be contacted by a link worker"),
        ({P.CONTACT: True}, "They have not been asked whether they agree to text messages"),
        ({P.CONTACT: True, P.SMS: False}, "They have not agreed to text messages"),
    ],
)
def test_no_consent_records_a_refusal_and_calls_no_backend(
    notify,
    person,
    referral,
    link_worker,
    mailoutbox,
    django_capture_on_commit_callbacks,
    answers,
    reason,
):
    person.phone = "07700 900123"
    person.save()
    if answers:
        consent_record(person=person, answers=answers, by=link_worker, source="conversation")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = _send(person, link_worker)
    assert callbacks == []
    assert notify.instances == []
    assert mailoutbox == []
    message.refresh_from_db()
    assert message.status == MessageStatus.REFUSED
    assert message.reason == reason
    assert message.sent_at is None and message.provider_id == "" and message.to_address == ""
    assert not Message.objects.filter(status=MessageStatus.SENT).exists()


def test_consent_withdrawn_after_queueing_stops_the_message(notify, reachable, link_worker):
    message = _send(reachable, link_worker)
    consent_record(person=reachable, answers={P.SMS: False}, by=link_worker, source="conversation")
    assert message_deliver(message_id=message.pk) == MessageStatus.REFUSED
    assert notify.instances == []


def test_consent_to_one_channel_is_not_consent_to_another(person, link_worker):
    person.phone, person.email = "07700 900123", "a@example.org"
    person.save()
    consent_record(
        person=person,
        answers={P.CONTACT: True, P.SMS: True, P.EMAIL: False},
        by=link_worker,
        source="conversation",
    )
    checks = channel_checks(person=person)
    assert checks[MessageChannel.SMS].ok
    assert checks[MessageChannel.EMAIL].reason == "They have not agreed to emails"
    assert checks[MessageChannel.LETTER].no_consent


@pytest.mark.parametrize(
    ("field", "value", "channel", "reason"),
    [
        ("phone", "0161 496 0000", MessageChannel.SMS, "No mobile number is recorded"),
        ("email", "", MessageChannel.EMAIL, "No email address is recorded"),
        ("address", "", MessageChannel.LETTER, "No postal address with a postcode is recorded"),
    ],
)
def test_no_number_or_address_is_refused_and_records_nothing(
    notify, reachable, link_worker, field, value, channel, reason
):
    setattr(reachable, field, value)
    reachable.save()
    with pytest.raises(ValidationError) as exc:
        _send(reachable, link_worker, channel=channel)
    assert exc.value.message_dict["channel"] == [reason]
    assert not Message.objects.exists()


def test_bad_input_records_nothing(reachable, link_worker, appointment):
    for kwargs, field in [
        ({"kind": "marketing"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"kind": MessageKind.APPOINTMENT_REMINDER}, "appointment"),
        ({"kind": MessageKind.PLAN_AGREED}, "kind"),
    ]:
        with pytest.raises(ValidationError) as exc:
            _send(reachable, link_worker, **kwargs)
        assert field in exc.value.message_dict
    assert not Message.objects.exists()


def test_message_is_recorded_and_audited(reachable, link_worker, no_notify):
    message = _send(reachable, link_worker)
    entry = AuditLog.objects.get(object_type="referrals.message", action=AuditLog.Action.CREATE)
    assert entry.person_id == reachable.pk and entry.user == link_worker
    assert message.referral is not None and message.sent_by == link_worker
    assert message.to_address == "07700900123"


# --- wording ---------------------------------------------------------------------------------


def test_reminder_fills_in_the_appointment_and_team_phone(no_notify, appointment, link_worker):
    message = _send(
        appointment.person,
        link_worker,
        kind=MessageKind.APPOINTMENT_REMINDER,
        appointment=appointment,
    )
    starts = timezone.localtime(appointment.starts_at)
    assert f"{starts:%A} {starts.day} {starts:%B}" in message.body
    assert "at 10:30, at Riverside Centre" in message.body
    assert "Anna Link" in message.body and "0161 496 0000" in message.body
    assert "((" not in message.body


def test_plan_lists_goals_and_agreed_groups_only(reachable, link_worker, asset):
    GoalFactory(person=reachable, description="Walk twice a week")
    GoalFactory(person=reachable, description="Learn to swim", status=GoalStatus.CHANGED_MIND)
    ConnectionFactory(person=reachable, asset=asset)
    text = plan_text(person=reachable)
    assert text == "Your goals:\n- Walk twice a week\nGroups and activities:\n- Canal walking group"
    message = _send(reachable, link_worker, kind=MessageKind.PLAN_AGREED)
    assert "- Walk twice a week" in message.body and "swim" not in message.body


def test_a_name_that_looks_like_a_placeholder_stays_as_typed(reachable, link_worker):
    reachable.given_name = "((team_phone))"
    reachable.save()
    message = _send(reachable, link_worker)
    assert message.body.startswith("Hello ((team_phone)), ")


def test_no_team_phone_is_refused(reachable, link_worker, team_a, settings):
    team_a.phone = ""
    team_a.save()
    settings.SERVICE_PHONE = ""
    with pytest.raises(ValidationError) as exc:
        _send(reachable, link_worker)
    assert "no phone number" in exc.value.message_dict["channel"][0]
    settings.SERVICE_PHONE = "0300 000 0000"
    assert "0300 000 0000" in _send(reachable, link_worker).body


def test_letter_address_has_at_most_seven_lines(person):
    person.address = "\n".join(f"Line {n}" for n in range(1, 9))
    lines = letter_address(person).splitlines()
    assert len(lines) == 7 and lines[-1] == "M1 1AE"
    person.postcode = ""
    assert letter_address(person) == ""


# --- the day-before reminders ----------------------------------------------------------------


def test_reminders_go_once_per_appointment(notify, appointment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert appointment_reminders_send_task.delay().get() == 1
    assert appointment_reminders_send() == 0
    message = Message.objects.get()
    assert message.automatic and message.sent_by is None
    assert message.appointment == appointment
    assert message.status == MessageStatus.SENT
    assert len(notify.instances) == 1


def test_reminders_use_the_preferred_channel_and_skip_other_days(notify, appointment, link_worker):
    appointment.person.preferred_channel = MessageChannel.EMAIL
    appointment.person.save()
    later = Appointment.objects.create(
        person=appointment.person,
        link_worker=link_worker,
        kind=AppointmentKind.FOLLOW_UP,
        starts_at=appointment.starts_at + dt.timedelta(days=2),
        mode=AppointmentMode.PHONE,
    )
    assert appointment_reminders_send() == 1
    message = Message.objects.get()
    assert message.channel == MessageChannel.EMAIL
    assert not later.messages.exists()


def test_a_reminder_already_sent_by_hand_is_not_repeated(notify, appointment, link_worker):
    _send(
        appointment.person,
        link_worker,
        kind=MessageKind.APPOINTMENT_REMINDER,
        appointment=appointment,
    )
    assert appointment_reminders_send() == 0
    assert Message.objects.count() == 1


def test_reminder_without_consent_is_recorded_refused_once(notify, appointment, link_worker):
    consent_record(
        person=appointment.person,
        answers={P.SMS: False, P.EMAIL: False, P.LETTER: False},
        by=link_worker,
        source="conversation",
    )
    assert appointment_reminders_send() == 1
    assert appointment_reminders_send() == 0
    message = Message.objects.get()
    assert message.status == MessageStatus.REFUSED
    assert message.channel == MessageChannel.SMS
    assert notify.instances == []


def test_the_database_refuses_a_second_automatic_reminder(appointment):
    from django.db import IntegrityError, transaction

    fields = {
        "person": appointment.person,
        "appointment": appointment,
        "channel": MessageChannel.SMS,
        "kind": MessageKind.APPOINTMENT_REMINDER,
        "body": "x",
        "automatic": True,
    }
    Message.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(**fields)


# --- the pages -------------------------------------------------------------------------------


def _compose(client, person, **data):
    return client.post(reverse("referrals:message_compose", args=[person.pk]), data)


def test_person_page_shows_channels_offers_and_history(
    client_for, reachable, link_worker, appointment, no_notify
):
    ContactAttempt.objects.create(
        person=reachable, method="phone", outcome="no_answer", attempted_at=timezone.now()
    )
    GoalFactory(person=reachable, description="Walk twice a week")
    _send(reachable, link_worker)
    page = client_for(link_worker).get(reverse("referrals:person", args=[reachable.pk]))
    text = page.content.decode()
    assert 'id="messages"' in text
    assert "?kind=tried_to_reach" in text and "?kind=plan_agreed" in text
    assert f"kind=appointment_reminder&amp;appointment={appointment.pk}" in text
    assert "We tried to reach you by text message" in text
    assert "Text messages to their mobile" in text


def test_person_page_says_why_a_channel_cannot_be_used(client_for, person, link_worker):
    text = client_for(link_worker).get(reverse("referrals:person", args=[person.pk])).content
    assert b"Text message:</strong> no. They have not been asked whether a link worker" in text
    assert b"?kind=tried_to_reach" not in text


def test_preview_then_send(
    client_for, reachable, link_worker, no_notify, django_capture_on_commit_callbacks
):
    client = client_for(link_worker)
    form = client.get(
        reverse("referrals:message_compose", args=[reachable.pk]) + "?kind=tried_to_reach"
    )
    assert form.status_code == 200
    data = {"kind": "tried_to_reach", "channel": "sms"}
    preview = _compose(client, reachable, **data, action="preview")
    assert preview.status_code == 200
    text = preview.content.decode()
    assert 'id="message-preview"' in text and "Hello Maria" in text
    assert 'id="sms-length"' in text and "sent as 1 text message" in text
    assert not Message.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = _compose(client, reachable, **data, action="send")
    assert sent.status_code == 302 and sent.url.endswith("#messages")
    message = Message.objects.get()
    assert message.status == MessageStatus.SENT and message.sent_by == link_worker


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"channel": "sms"}, "Choose which message to send"),
        ({"kind": "tried_to_reach"}, "Choose how to send it"),
        ({"kind": "tried_to_reach", "channel": "fax"}, "Choose how to send it"),
        ({"kind": "appointment_reminder", "channel": "sms"}, "Choose the appointment"),
        (
            {"kind": "appointment_reminder", "channel": "sms", "appointment": "999999"},
            "Choose one of their upcoming appointments",
        ),
        ({"kind": "plan_agreed", "channel": "sms"}, "There is no plan to send yet"),
    ],
)
def test_bad_input_on_the_page_is_refused_and_sends_nothing(
    client_for, reachable, link_worker, notify, data, error
):
    response = _compose(client_for(link_worker), reachable, **data, action="send")
    assert response.status_code == 400
    text = response.content.decode()
    assert "nhsuk-error-summary" in text and error in text
    assert not Message.objects.exists()
    assert notify.instances == []


def test_page_refuses_a_channel_without_consent_and_says_why(
    client_for, reachable, link_worker, notify
):
    consent_record(person=reachable, answers={P.SMS: False}, by=link_worker, source="conversation")
    client = client_for(link_worker)
    page = client.get(reverse("referrals:message_compose", args=[reachable.pk]))
    assert "Text message: cannot be sent. They have not agreed to text messages" in (
        page.content.decode()
    )
    response = _compose(client, reachable, kind="tried_to_reach", channel="sms", action="send")
    assert response.status_code == 400
    assert "They have not agreed to text messages" in response.content.decode()
    assert not Message.objects.exists()
    assert notify.instances == []


def test_nothing_agreed_shows_a_warning(client_for, person, link_worker):
    page = client_for(link_worker).get(reverse("referrals:message_compose", args=[person.pk]))
    assert b"No message can be sent to them" in page.content


def test_other_team_and_other_roles_cannot_send(
    client_for, reachable, other_link_worker, practice_staff, volunteer, commissioner
):
    url = reverse("referrals:message_compose", args=[reachable.pk])
    for user in (other_link_worker, practice_staff, volunteer, commissioner):
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert (
            client.post(url, {"kind": "tried_to_reach", "channel": "sms", "action": "send"})
        ).status_code == 404
    assert not Message.objects.exists()


def test_administrator_may_send(client_for, reachable, admin_user, no_notify):
    response = _compose(
        client_for(admin_user), reachable, kind="tried_to_reach", channel="sms", action="send"
    )
    assert response.status_code == 302
    assert Message.objects.get().sent_by == admin_user


def test_person_page_queries_do_not_grow_with_messages(
    client_for, reachable, link_worker, no_notify, django_assert_max_num_queries
):
    client = client_for(link_worker)
    url = reverse("referrals:person", args=[reachable.pk])
    _send(reachable, link_worker)
    client.get(url)
    with django_assert_max_num_queries(40) as first:
        client.get(url)
    for _ in range(5):
        _send(reachable, link_worker)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


def test_the_beat_schedule_runs_the_reminder_job():
    from socialrx.celery import app

    entry = app.conf.beat_schedule["referrals-appointment-reminders"]
    assert entry["task"] == appointment_reminders_send_task.name


def test_administrator_sets_the_team_phone(client_for, admin_user, team_a):
    client = client_for(admin_user)
    url = reverse("socialrx:team_edit", args=[team_a.pk])
    data = {"name": team_a.name, "code": team_a.code}
    bad = client.post(url, {**data, "phone": "12345"})
    assert "Enter a UK phone number" in bad.content.decode()
    team_a.refresh_from_db()
    assert team_a.phone == ""
    client.post(url, {**data, "phone": "0161 496 0000"})
    team_a.refresh_from_db()
    assert team_a.phone == "0161 496 0000"


def test_a_notify_key_without_template_ids_is_warned_about(settings):
    from socialrx.checks import socialrx_settings

    settings.NOTIFY_API_KEY = "test-key-not-real"
    settings.NOTIFY_TEMPLATE_ID_SMS = "tpl-sms"
    settings.NOTIFY_TEMPLATE_ID_EMAIL = settings.NOTIFY_TEMPLATE_ID_LETTER = ""
    (warning,) = [p for p in socialrx_settings(None) if p.id == "socialrx.W010"]
    assert "NOTIFY_TEMPLATE_ID_EMAIL, NOTIFY_TEMPLATE_ID_LETTER" in warning.msg
    settings.NOTIFY_API_KEY = ""
    assert not [p for p in socialrx_settings(None) if p.id == "socialrx.W010"]


def test_consent_page_records_each_channel(client_for, person, link_worker):
    url = reverse("referrals:person_consent", args=[person.pk])
    page = client_for(link_worker).get(url).content.decode()
    assert "Do they agree to text messages to their mobile?" in page
    response = client_for(link_worker).post(url, {"contact": "yes", "sms": "yes", "letter": "no"})
    assert response.status_code == 302
    person.phone = "07700 900123"
    person.save()
    checks = channel_checks(person=person)
    assert checks[MessageChannel.SMS].ok
    assert checks[MessageChannel.LETTER].reason == "They have not agreed to letters"
    assert "not been asked" in checks[MessageChannel.EMAIL].reason


def test_a_plan_too_long_for_a_text_is_refused_at_preview_and_send(
    client_for, reachable, link_worker, no_notify
):
    for n in range(12):
        GoalFactory(person=reachable, description=f"Goal number {n}: " + "walk " * 16)
    client = client_for(link_worker)
    for action in ("preview", "send"):
        response = _compose(client, reachable, kind="plan_agreed", channel="sms", action=action)
        assert response.status_code == 400
        assert "over the 918 a text can hold" in response.content.decode()
    assert not Message.objects.exists()
    response = _compose(client, reachable, kind="plan_agreed", channel="email", action="preview")
    assert response.status_code == 200
