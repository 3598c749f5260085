"""Messages to people (texts, emails, letters): written from the team's wording, recorded on
the person's record, sent by a background job after the record is saved, and never sent by a
channel the person has not agreed to. Also the day-before appointment reminders, and a
team's own wording.

A message is recorded first (``Message``, status queued) and the job sends exactly what was
recorded. A message refused for want of consent is recorded as refused, with why, and goes to
no backend."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from socialrx.audit import acting_user
from socialrx.concurrency import EditConflict, version_claim
from socialrx.models import Team

from ..messaging import (
    KIND_PLACEHOLDERS,
    SMS_MAX_CHARACTERS,
    fill,
    placeholders_used,
    wording_errors,
)
from ..models import (
    Appointment,
    Message,
    MessageChannel,
    MessageKind,
    MessageStatus,
    MessageTemplate,
    Person,
)
from ..selectors.casework import referral_open_for
from ..selectors.messages import (
    channel_checks,
    channel_preferred,
    placeholder_values,
    plan_text,
    template_wording,
)
from .message_backends import MessageSendError, message_backend

logger = logging.getLogger(__name__)

NO_TEAM_PHONE = (
    "There is no phone number for them to call back on: an administrator adds the team's "
    "number on the team's page"
)
NO_PLAN = "There is no plan to send yet: add their goals or connect them to a group first"


def _rendered(
    *,
    person: Person,
    kind: str,
    channel: str,
    appointment: Appointment | None,
    strict: bool = True,
) -> tuple[str, str]:
    wording = template_wording(team_id=person.team_id, kind=kind, channel=channel)
    values = placeholder_values(
        person=person, appointment=appointment, with_plan=kind == MessageKind.PLAN_AGREED
    )
    used = set(placeholders_used(wording.subject) + placeholders_used(wording.body))
    if strict and "team_phone" in used and not values["team_phone"]:
        raise ValidationError({"channel": NO_TEAM_PHONE})
    allowed = {name: values[name] for name in KIND_PLACEHOLDERS[kind] if name in values}
    return fill(wording.subject, allowed).strip(), fill(wording.body, allowed).strip()


def message_preview(
    *, person: Person, kind: str, channel: str, appointment: Appointment | None = None
) -> tuple[str, str]:
    """The subject and body as they would be sent (``ValidationError`` when they cannot)."""
    _check_input(person=person, kind=kind, channel=channel, appointment=appointment)
    subject, body = _rendered(person=person, kind=kind, channel=channel, appointment=appointment)
    _check_length(channel=channel, body=body)
    return subject, body


def _check_length(*, channel: str, body: str) -> None:
    if channel == MessageChannel.SMS and len(body) > SMS_MAX_CHARACTERS:
        raise ValidationError(
            {
                "channel": f"The text message would be {len(body)} characters long, over the "
                f"{SMS_MAX_CHARACTERS} a text can hold: send it by email or letter"
            }
        )


def _check_input(
    *, person: Person, kind: str, channel: str, appointment: Appointment | None
) -> None:
    errors: dict[str, str] = {}
    if kind not in MessageKind.values:
        errors["kind"] = "Choose which message to send"
    if channel not in MessageChannel.values:
        errors["channel"] = "Choose how to send it"
    if kind == MessageKind.APPOINTMENT_REMINDER:
        if appointment is None:
            errors["appointment"] = "Choose the appointment to remind them of"
        elif appointment.person_id != person.pk:
            errors["appointment"] = "Choose one of this person's appointments"
        elif appointment.starts_at <= timezone.now():
            errors["appointment"] = "The appointment has already started"
    if kind == MessageKind.PLAN_AGREED and not plan_text(person=person):
        errors["kind"] = NO_PLAN
    if errors:
        raise ValidationError(errors)


@acting_user("by")
def message_send(
    *,
    person: Person,
    kind: str,
    channel: str,
    by: Any,
    appointment: Appointment | None = None,
    automatic: bool = False,
) -> Message:
    """Record a message to ``person`` and, once the record is saved, send it in the
    background. Bad input (an unknown kind, no appointment for a reminder, a text that is too
    long, no number or address to send to) raises ``ValidationError`` and records nothing. A
    channel the person has not agreed to is recorded as refused (with why) and sent nowhere.
    The automatic reminder records a missing number or address as failed instead of raising."""
    _check_input(person=person, kind=kind, channel=channel, appointment=appointment)
    check = channel_checks(person=person)[channel]
    # A refusal is recorded whatever else is missing: the wording is kept as far as it goes.
    subject, body = _rendered(
        person=person,
        kind=kind,
        channel=channel,
        appointment=appointment,
        strict=not check.no_consent,
    )
    if check.ok:
        _check_length(channel=channel, body=body)
    status, reason = MessageStatus.QUEUED, ""
    if not check.ok:
        if check.no_consent:
            status, reason = MessageStatus.REFUSED, check.reason
        elif automatic:
            status, reason = MessageStatus.FAILED, check.reason
        else:
            raise ValidationError({"channel": check.reason})
    with transaction.atomic():
        message = Message.objects.create(
            person=person,
            referral=referral_open_for(person=person),
            appointment=appointment,
            channel=channel,
            kind=kind,
            status=status,
            to_address=check.address,
            subject=subject if channel != MessageChannel.SMS else "",
            body=body,
            reason=reason,
            sent_by=by if getattr(by, "is_authenticated", False) else None,
            automatic=automatic,
        )
        if status == MessageStatus.QUEUED:
            from ..tasks import message_send_task

            message_id = message.pk
            transaction.on_commit(lambda: message_send_task.delay(message_id=message_id))
    return message


def message_deliver(*, message_id: int) -> str:
    """Send a queued message by the configured backend; returns its status afterwards. The
    message is claimed with a conditional update, so a second delivery of the job sends
    nothing twice. Consent is checked again: an answer withdrawn since it was queued stops it."""
    claimed = Message.objects.filter(
        pk=message_id, status=MessageStatus.QUEUED, claimed_at__isnull=True
    ).update(claimed_at=timezone.now())
    message = Message.objects.select_related("person").filter(pk=message_id).first()
    if message is None:
        return ""
    if not claimed:
        return message.status
    check = channel_checks(person=message.person)[message.channel]
    if check.no_consent:
        message.status, message.reason = MessageStatus.REFUSED, check.reason
        message.save(update_fields=["status", "reason"])
        return message.status
    backend = message_backend()
    try:
        provider_id = backend.send(message)
    except MessageSendError as exc:
        message.status, message.reason = MessageStatus.FAILED, str(exc)[:300]
        message.save(update_fields=["status", "reason"])
        logger.warning(
            "Message %s (%s, %s) failed by %s",
            message.pk,
            message.channel,
            message.kind,
            backend.name,
        )
        return message.status
    message.status = MessageStatus.SENT
    message.provider_id = provider_id[:100]
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "provider_id", "sent_at"])
    logger.info(
        "Message %s (%s, %s) sent by %s", message.pk, message.channel, message.kind, backend.name
    )
    return message.status


# --- the day-before reminders ----------------------------------------------------------------


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return start, end


def appointment_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind everyone with an appointment tomorrow, by their preferred channel that can
    reach them. Once per appointment: an appointment already given an automatic reminder,
    or a reminder a link worker sent that is queued or sent, is left alone, and the database
    refuses a second automatic one even to two jobs running at once. Returns how many
    messages it recorded (refused and failed ones included)."""
    day = (today or timezone.localdate()) + dt.timedelta(days=1)
    start, end = _day_bounds(day)
    appointments = (
        Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(messages__automatic=True)
        .exclude(
            messages__kind=MessageKind.APPOINTMENT_REMINDER,
            messages__status__in=(MessageStatus.QUEUED, MessageStatus.SENT),
        )
        .select_related("person", "person__team", "person__link_worker", "link_worker")
        .order_by("starts_at", "id")
    )
    recorded = 0
    for appointment in appointments:
        person = appointment.person
        check = channel_preferred(person=person, checks=channel_checks(person=person))
        try:
            with transaction.atomic():
                message_send(
                    person=person,
                    kind=MessageKind.APPOINTMENT_REMINDER,
                    channel=check.channel,
                    appointment=appointment,
                    automatic=True,
                    by=None,
                )
        except IntegrityError:
            continue  # another run has just reminded them
        except ValidationError:
            logger.warning("Appointment %s: reminder could not be written", appointment.pk)
            continue
        recorded += 1
    return recorded


# --- a team's wording ------------------------------------------------------------------------


def message_template_save(
    *,
    team: Team,
    kind: str,
    channel: str,
    subject: str,
    body: str,
    version: int,
    by: Any,
) -> MessageTemplate:
    """Save the team's wording of ``kind`` on ``channel``. ``version`` is the one the form was
    loaded with (0: the default wording, no row yet); if someone else has saved or gone back
    to the default since, :class:`EditConflict` says so and nothing is written."""
    subject = subject.strip() if channel != MessageChannel.SMS else ""
    body = body.strip().replace("\r\n", "\n")
    errors = wording_errors(kind=kind, channel=channel, subject=subject, body=body)
    if errors:
        raise ValidationError(errors)
    user = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        row = MessageTemplate.objects.filter(team=team, kind=kind, channel=channel).first()
        if row is None:
            if version != 0:
                raise EditConflict()
            try:
                with transaction.atomic():
                    return MessageTemplate.objects.create(
                        team=team,
                        kind=kind,
                        channel=channel,
                        subject=subject,
                        body=body,
                        updated_by=user,
                        version=1,
                    )
            except IntegrityError:
                raise EditConflict() from None
        version_claim(row, expected=version)
        row.subject, row.body, row.updated_by = subject, body, user
        row.save(update_fields=["subject", "body", "updated_by", "updated_at"])
    return row


def message_template_reset(*, team: Team, kind: str, channel: str) -> bool:
    """Go back to the default wording; returns whether the team had its own."""
    deleted, _ = MessageTemplate.objects.filter(team=team, kind=kind, channel=channel).delete()
    return bool(deleted)
