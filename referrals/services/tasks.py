"""A link worker's tasks: made by the events that imply them (a connection needs its "did they
go?" follow-up, a first conversation a wellbeing re-measure) or by hand, then reassigned within
the team, snoozed or marked done."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from socialrx.audit import acting_user
from socialrx.models import Role

from ..models import (
    Connection,
    ContactAttempt,
    ContactOutcome,
    Person,
    Referral,
    Task,
    TaskKind,
    TaskStatus,
)

NOTE_MAX = 200


def _user_or_none(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _assignee_check(*, person: Person, assigned_to: Any) -> None:
    """Tasks go to an active link worker of the person's team: no one else can see them."""
    if assigned_to is None:
        return
    if (
        assigned_to.role != Role.LINK_WORKER
        or not assigned_to.is_active
        or assigned_to.team_id is None
        or assigned_to.team_id != person.team_id
    ):
        raise ValidationError(
            {"assigned_to": "Choose a link worker of this person's team"}, code="assignee"
        )


@acting_user("by")
def task_add(
    *,
    person: Person,
    kind: str,
    due_on: dt.date,
    by: Any,
    assigned_to: Any = None,
    referral: Referral | None = None,
    connection: Connection | None = None,
    note: str = "",
) -> Task:
    """Add a task for ``person``. A due date in the past is allowed (recording something that
    is already late puts it straight on the overdue list). Unassigned, it goes to the person's
    named link worker."""
    if kind not in TaskKind.values:
        raise ValidationError({"kind": "Choose what needs doing"}, code="task_kind")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": f"The note must be {NOTE_MAX} characters or fewer"}, code="note_long"
        )
    if assigned_to is None:
        assigned_to = person.link_worker
        if assigned_to is not None and assigned_to.team_id != person.team_id:
            assigned_to = None
    else:
        _assignee_check(person=person, assigned_to=assigned_to)
    return Task.objects.create(
        person=person,
        referral=referral,
        connection=connection,
        kind=kind,
        due_on=due_on,
        assigned_to=assigned_to,
        created_by=_user_or_none(by),
        note=note,
    )


def task_for_connection(*, connection: Connection, by: Any) -> Task:
    """The "did they go?" follow-up of a new connection, ``FOLLOW_UP_DAYS`` after it was
    made."""
    return task_add(
        person=connection.person,
        referral=connection.referral,
        connection=connection,
        kind=TaskKind.CONNECTION_FOLLOW_UP,
        due_on=connection.made_on + dt.timedelta(days=settings.FOLLOW_UP_DAYS),
        by=by,
    )


def task_for_first_conversation(
    *, person: Person, referral: Referral | None, held_on: dt.date, by: Any
) -> Task:
    """The wellbeing re-measure: follow-up measures count from ``REMEASURE_DAYS`` after the
    baseline, so it falls due then."""
    return task_add(
        person=person,
        referral=referral,
        kind=TaskKind.REMEASURE,
        due_on=held_on + dt.timedelta(days=settings.REMEASURE_DAYS),
        by=by,
    )


def task_for_contact_attempt(*, attempt: ContactAttempt, by: Any) -> Task | None:
    """An attempt that did not reach the person puts "try contacting them again" on the list,
    ``CONTACT_RETRY_DAYS`` later (an open one moves to the new date rather than doubling); an
    attempt that reached them settles the open ones."""
    open_retries = Task.objects.filter(
        person_id=attempt.person_id, kind=TaskKind.CONTACT_RETRY, status=TaskStatus.OPEN
    ).order_by("due_on", "pk")
    if attempt.outcome == ContactOutcome.REACHED:
        for task in open_retries:
            task_done(task=task, by=by)
        return None
    due_on = timezone.localdate(attempt.attempted_at) + dt.timedelta(
        days=settings.CONTACT_RETRY_DAYS
    )
    note = (
        f"Last try: {attempt.get_method_display().lower()}, {attempt.get_outcome_display().lower()}"
    )
    current = open_retries.first()
    if current is None:
        return task_add(
            person=attempt.person,
            referral=attempt.referral,
            kind=TaskKind.CONTACT_RETRY,
            due_on=due_on,
            note=note,
            by=by,
        )
    current.due_on = due_on
    current.note = note
    current.snoozed_until = None
    current.save(update_fields=["due_on", "note", "snoozed_until"])
    return current


@acting_user("by")
def task_done(*, task: Task, by: Any) -> Task:
    """Mark done; marking a done task again changes nothing."""
    if task.status == TaskStatus.DONE:
        return task
    task.status = TaskStatus.DONE
    task.done_at = timezone.now()
    task.save(update_fields=["status", "done_at"])
    return task


@acting_user("by")
def tasks_done_for_connection(*, connection: Connection, by: Any) -> int:
    """The connection's follow-up was recorded: its open follow-up tasks are done."""
    done = 0
    for task in Task.objects.filter(connection=connection, status=TaskStatus.OPEN):
        task_done(task=task, by=by)
        done += 1
    return done


@acting_user("by")
def task_snooze(
    *, task: Task, until: dt.date | None, by: Any, today: dt.date | None = None
) -> Task:
    """Put a task out of sight until a later day. The day must be in the future: snoozing to
    today or before would hide nothing."""
    today = today or timezone.localdate()
    if task.status != TaskStatus.OPEN:
        raise ValidationError("This task is already done", code="task_done")
    if until is None or until <= today:
        raise ValidationError(
            {"until": "The date to snooze until must be in the future"}, code="snooze_past"
        )
    task.snoozed_until = until
    task.save(update_fields=["snoozed_until"])
    return task


@acting_user("by")
def task_reassign(*, task: Task, assigned_to: Any, by: Any) -> Task:
    """Hand a task to another link worker of the person's team."""
    if assigned_to is None:
        raise ValidationError({"assigned_to": "Choose a link worker"}, code="assignee")
    if task.status != TaskStatus.OPEN:
        raise ValidationError("This task is already done", code="task_done")
    with transaction.atomic():
        _assignee_check(person=task.person, assigned_to=assigned_to)
        if task.assigned_to_id != assigned_to.pk:
            task.assigned_to = assigned_to
            task.save(update_fields=["assigned_to"])
    return task
