"""Demo data: a few tasks for each link worker (follow-ups of pending connections, re-measures,
calls to try again), some overdue, two upcoming appointments and a text message each, so
that "My day" and the person's messages have something on them from the start."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from referrals.messaging import default_wording, fill
from referrals.models import (
    Appointment,
    AppointmentKind,
    AppointmentMode,
    Connection,
    ConnectionOutcome,
    Message,
    MessageChannel,
    MessageKind,
    MessageStatus,
    Referral,
    ReferralStatus,
    Task,
    TaskKind,
)
from referrals.selectors.messages import channel_checks, placeholder_values

# (kind, days from today it is due: negative is overdue, note)
HAND_MADE = [
    (TaskKind.CONTACT_RETRY, -3, "No answer twice; try a morning"),
    (TaskKind.GOAL_REVIEW, 0, "Review the walking goal"),
    (TaskKind.OTHER, 4, "Check the bus pass application"),
]


def seed(ctx: Any) -> None:
    tasks: list[Task] = []
    follow_up = dt.timedelta(days=settings.FOLLOW_UP_DAYS)
    for connection in Connection.objects.filter(
        outcome=ConnectionOutcome.PENDING, person__link_worker__isnull=False
    ).select_related("person"):
        tasks.append(
            Task(
                person=connection.person,
                referral_id=connection.referral_id,
                connection=connection,
                kind=TaskKind.CONNECTION_FOLLOW_UP,
                due_on=connection.made_on + follow_up,
                assigned_to_id=connection.person.link_worker_id,
                created_by_id=connection.person.link_worker_id,
            )
        )
    for worker in ctx.link_workers:
        open_referrals = list(
            Referral.objects.filter(
                link_worker=worker,
                person__team_id=worker.team_id,
                status__in=(ReferralStatus.CONTACTED, ReferralStatus.ACTIVE),
            ).order_by("id")[: len(HAND_MADE)]
        )
        for referral, (kind, days, note) in zip(open_referrals, HAND_MADE, strict=False):
            tasks.append(
                Task(
                    person_id=referral.person_id,
                    referral=referral,
                    kind=kind,
                    due_on=ctx.today + dt.timedelta(days=days),
                    assigned_to=worker,
                    created_by=worker,
                    note=note,
                )
            )
        remeasure = Referral.objects.filter(
            link_worker=worker, person__team_id=worker.team_id, status=ReferralStatus.ACTIVE
        ).order_by("-id")[:2]
        for i, referral in enumerate(remeasure):
            tasks.append(
                Task(
                    person_id=referral.person_id,
                    referral=referral,
                    kind=TaskKind.REMEASURE,
                    due_on=ctx.today + dt.timedelta(days=-1 if i == 0 else 6),
                    assigned_to=worker,
                    created_by=worker,
                )
            )
    Task.objects.bulk_create(tasks)
    Appointment.objects.bulk_create(_appointments(ctx))
    Message.objects.bulk_create(_messages(ctx))


def _appointments(ctx: Any) -> list[Appointment]:
    booked: list[Appointment] = []
    for worker in ctx.link_workers:
        contacted = Referral.objects.filter(
            link_worker=worker, person__team_id=worker.team_id, status=ReferralStatus.CONTACTED
        ).order_by("id")[:2]
        for i, referral in enumerate(contacted):
            day = ctx.today + dt.timedelta(days=1 + i * 2)
            booked.append(
                Appointment(
                    person_id=referral.person_id,
                    referral=referral,
                    link_worker=worker,
                    kind=AppointmentKind.CONVERSATION,
                    starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10 + i * 3))),
                    mode=AppointmentMode.IN_PERSON if i == 0 else AppointmentMode.PHONE,
                    place="Riverside Community Centre" if i == 0 else "",
                    created_by=worker,
                )
            )
    return booked


def _messages(ctx: Any) -> list[Message]:
    """For each link worker, a "we tried to reach you" text sent yesterday to someone still
    waiting for first contact (kept as refused when they had not agreed to texts)."""
    kind, channel = MessageKind.TRIED_TO_REACH, MessageChannel.SMS
    wording = default_wording(kind, channel)
    written: list[Message] = []
    for worker in ctx.link_workers:
        referral = (
            Referral.objects.filter(
                link_worker=worker, person__team_id=worker.team_id, status=ReferralStatus.RECEIVED
            )
            .select_related("person", "person__team", "person__link_worker")
            .order_by("id")
            .first()
        )
        if referral is None:
            continue
        person = referral.person
        check = channel_checks(person=person)[channel]
        written.append(
            Message(
                person=person,
                referral=referral,
                channel=channel,
                kind=kind,
                status=MessageStatus.SENT if check.ok else MessageStatus.REFUSED,
                to_address=check.address,
                body=fill(wording.body, placeholder_values(person=person)),
                reason=check.reason,
                sent_by=worker,
                sent_at=ctx.at(ctx.today - dt.timedelta(days=1), 11) if check.ok else None,
            )
        )
    return written
