"""Reads for a link worker's day: their tasks by when they fall due, and the new referrals
waiting for a first contact. Each list is one query, however long it is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, QuerySet, When
from django.utils import timezone

from socialrx.http import get_in_scope_or_404
from socialrx.models import Practice

from ..access import people_for
from ..models import Appointment, Connection, Referral, ReferralStatus, Task, TaskStatus

WEEK = 7


def tasks_for(*, user: Any) -> QuerySet[Task]:
    """Tasks ``user`` may reach: those of people whose record they may open."""
    return Task.objects.filter(person__in=people_for(user=user))


def task_get_for(*, user: Any, pk: int) -> Task:
    return get_in_scope_or_404(
        tasks_for(user=user).select_related("person", "assigned_to"), what="task", pk=pk
    )


def _shown_on(tasks: QuerySet[Task]) -> Any:  # annotated: the type checker cannot see shown_on
    """``shown_on``: the due date, or the snooze date where that is later."""
    return tasks.annotate(
        shown_on=Case(
            When(snoozed_until__gt=F("due_on"), then=F("snoozed_until")),
            default=F("due_on"),
        )
    )


def _with_shown_on(tasks: QuerySet[Task]) -> Any:
    return _shown_on(tasks).select_related("person", "assigned_to", "connection__asset")


def tasks_open_for_person(*, person: Any, connections: list[Connection]) -> list[Task]:
    """The person's open tasks, by when they are shown. ``connections``: the person's
    connections, already read with their groups for the same page; a task about one of them
    points to it rather than joining it (and its group's many columns) again. Through the
    person's own manager, each task points back to ``person`` without joining it either."""
    tasks = list(
        _shown_on(person.tasks.filter(status=TaskStatus.OPEN))
        .select_related("assigned_to")
        .order_by("shown_on", "id")
    )
    read = {c.pk: c for c in connections}
    for task in tasks:
        # A task about a connection not among them (there should be none) reads it when shown.
        if task.connection_id in read:
            task.connection = read[task.connection_id]
    return tasks


@dataclass
class WaitingReferral:
    referral: Referral
    days_waiting: int


@dataclass
class MyDay:
    today: dt.date
    overdue: list[Task]
    due_today: list[Task]
    this_week: list[Task]
    waiting: list[WaitingReferral]
    appointments: list[Appointment]


def appointments_for(*, user: Any) -> QuerySet[Appointment]:
    """Appointments of ``user``'s own, with people they may reach."""
    return Appointment.objects.filter(
        link_worker=user, person__in=people_for(user=user)
    ).select_related("person")


PLACES_OFFERED = 20


def appointment_places(*, team_id: int | None) -> list[str]:
    """Where the team meets people, to offer when booking: its practices, then the places its
    appointments used in the last year (most used first). Two queries."""
    if team_id is None:
        return []
    practices = list(
        Practice.objects.filter(team_id=team_id).order_by("name").values_list("name", flat=True)
    )
    used = (
        Appointment.objects.filter(
            person__team_id=team_id,
            starts_at__gte=timezone.now() - dt.timedelta(days=365),
        )
        .exclude(place="")
        .values("place")
        .annotate(uses=Count("id"))
        .order_by("-uses", "place")
        .values_list("place", flat=True)[:PLACES_OFFERED]
    )
    return practices + [place for place in used if place not in practices]


def my_day(*, user: Any, today: dt.date, now: dt.datetime | None = None) -> MyDay:
    """What ``user`` has to do: their open tasks (within their scope) overdue, due today and
    due in the next seven days, snoozed ones from the day they were snoozed to; and the
    referrals assigned to them still waiting for a first contact, longest waiting first; their
    next appointments."""
    mine = _with_shown_on(
        tasks_for(user=user).filter(assigned_to=user, status=TaskStatus.OPEN)
    ).order_by("shown_on", "id")
    waiting = (
        Referral.objects.filter(
            person__in=people_for(user=user), link_worker=user, status=ReferralStatus.RECEIVED
        )
        .select_related("person")
        .order_by("received_on", "id")
    )
    return MyDay(
        today=today,
        overdue=list(mine.filter(shown_on__lt=today)),
        due_today=list(mine.filter(shown_on=today)),
        this_week=list(
            mine.filter(shown_on__gt=today, shown_on__lte=today + dt.timedelta(days=WEEK))
        ),
        waiting=[
            WaitingReferral(referral=r, days_waiting=(today - r.received_on).days) for r in waiting
        ],
        appointments=list(
            appointments_for(user=user).filter(starts_at__gte=now or timezone.now())[:50]
        ),
    )
