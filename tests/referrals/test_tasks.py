"""A link worker's tasks and "My day": made by the events that imply them, changed by hand,
scoped to the team, listed with a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import (
    ConnectionKind,
    ConnectionOutcome,
    ReferralStatus,
    Task,
    TaskKind,
    TaskStatus,
)
from referrals.selectors.tasks import my_day
from referrals.services.connections import connection_make, connection_outcome_set
from referrals.services.conversations import conversation_log
from socialrx.models import AuditLog
from tests.referrals.factories import ConnectionFactory, PersonFactory, ReferralFactory, TaskFactory
from tests.socialrx.factories import LinkWorkerFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def colleague(team_a):
    return LinkWorkerFactory(
        username="lw_cara", first_name="Cara", last_name="Colleague", team=team_a
    )


@pytest.fixture
def task(person, referral, link_worker):
    return TaskFactory(person=person, referral=referral, due_on=TODAY - dt.timedelta(days=2))


# --- made by events ----------------------------------------------------------------------------


def test_connection_made_adds_follow_up_due_after_follow_up_days(
    person, referral, asset, link_worker, settings
):
    settings.FOLLOW_UP_DAYS = 10
    connection = connection_make(
        person=person,
        asset=asset,
        kind=ConnectionKind.SIGNPOST,
        made_on=TODAY,
        by=link_worker,
        warnings_confirmed=True,
    )
    task = Task.objects.get(connection=connection)
    assert task.kind == TaskKind.CONNECTION_FOLLOW_UP
    assert task.due_on == TODAY + dt.timedelta(days=10)
    assert task.assigned_to == link_worker
    assert task.referral == referral
    assert task.status == TaskStatus.OPEN


def test_connection_outcome_closes_its_follow_up(person, referral, asset, link_worker):
    connection = connection_make(
        person=person,
        asset=asset,
        kind=ConnectionKind.SIGNPOST,
        made_on=TODAY,
        by=link_worker,
        warnings_confirmed=True,
    )
    other = TaskFactory(person=person)
    connection_outcome_set(
        connection=connection, outcome=ConnectionOutcome.ATTENDED, by=link_worker
    )
    task = Task.objects.get(connection=connection)
    assert task.status == TaskStatus.DONE and task.done_at is not None
    other.refresh_from_db()
    assert other.status == TaskStatus.OPEN


def test_first_conversation_adds_remeasure_at_56_days_and_later_ones_do_not(
    person, referral, link_worker
):
    conversation_log(person=person, by=link_worker, held_on=TODAY)
    conversation_log(person=person, by=link_worker, held_on=TODAY)
    tasks = Task.objects.filter(person=person, kind=TaskKind.REMEASURE)
    assert tasks.count() == 1
    assert tasks.get().due_on == TODAY + dt.timedelta(days=56)


def test_task_changes_are_audited_with_the_person(task, link_worker, client_for):
    client_for(link_worker).post(reverse("referrals:task_done", args=[task.pk]))
    entry = AuditLog.objects.filter(action="update", object_type__icontains="task").latest("id")
    assert entry.person_id == task.person_id


# --- My day ------------------------------------------------------------------------------------


def test_link_worker_home_is_my_day(link_worker, client_for):
    response = client_for(link_worker).get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("referrals:my_day")


def test_my_day_lists_overdue_today_week_and_waiting(person, link_worker, client_for):
    overdue = TaskFactory(person=person, due_on=TODAY - dt.timedelta(days=3), note="Ring back")
    today = TaskFactory(person=person, due_on=TODAY, kind=TaskKind.GOAL_REVIEW)
    week = TaskFactory(person=person, due_on=TODAY + dt.timedelta(days=5))
    later = TaskFactory(person=person, due_on=TODAY + dt.timedelta(days=30))
    snoozed = TaskFactory(
        person=person,
        due_on=TODAY - dt.timedelta(days=1),
        snoozed_until=TODAY + dt.timedelta(days=2),
    )
    done = TaskFactory(person=person, due_on=TODAY, status=TaskStatus.DONE, done_at=timezone.now())
    ReferralFactory(
        person=person, link_worker=link_worker, received_on=TODAY - dt.timedelta(days=4)
    )
    day = my_day(user=link_worker, today=TODAY)
    assert day.overdue == [overdue]
    assert day.due_today == [today]
    assert day.this_week == [snoozed, week]
    assert later not in day.this_week and done not in day.due_today
    assert [w.days_waiting for w in day.waiting] == [4]

    response = client_for(link_worker).get(reverse("referrals:my_day"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ring back" in text and person.full_name in text
    assert "Overdue (1)" in text and "Due today (1)" in text
    assert "Due in the next 7 days (2)" in text
    assert "New referrals waiting for first contact (1)" in text


def test_my_day_shows_only_own_tasks_of_own_team(
    person, other_person, link_worker, other_link_worker, colleague
):
    mine = TaskFactory(person=person, assigned_to=link_worker)
    TaskFactory(person=person, assigned_to=colleague)
    # Assigned to them, but the person is another team's: out of their scope.
    TaskFactory(person=other_person, assigned_to=link_worker)
    ReferralFactory(person=other_person, link_worker=link_worker)
    day = my_day(user=link_worker, today=TODAY)
    assert day.due_today == [mine]
    assert day.waiting == []


def test_contacted_referral_is_not_waiting(person, link_worker):
    ReferralFactory(person=person, link_worker=link_worker, status=ReferralStatus.CONTACTED)
    assert my_day(user=link_worker, today=TODAY).waiting == []


def _fill(*, person, link_worker, n):
    for i in range(n):
        TaskFactory(person=person, due_on=TODAY - dt.timedelta(days=1 + i))
        TaskFactory(person=person, due_on=TODAY)
        TaskFactory(person=person, due_on=TODAY + dt.timedelta(days=1 + i % 6))
        ConnectionFactory(person=person)
        TaskFactory(
            person=person,
            kind=TaskKind.CONNECTION_FOLLOW_UP,
            connection=ConnectionFactory(person=person),
            due_on=TODAY,
        )
        other = PersonFactory(practice=person.practice, link_worker=link_worker)
        ReferralFactory(person=other, link_worker=link_worker)


def _count_queries(client, django_assert_max_num_queries, max_queries):
    with django_assert_max_num_queries(max_queries) as ctx:
        response = client.get(reverse("referrals:my_day"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_my_day_queries_do_not_grow_with_rows(
    person, link_worker, colleague, client_for, django_assert_max_num_queries
):
    client = client_for(link_worker)
    _fill(person=person, link_worker=link_worker, n=2)
    few = _count_queries(client, django_assert_max_num_queries, 40)
    _fill(person=person, link_worker=link_worker, n=18)
    many = _count_queries(client, django_assert_max_num_queries, few)
    assert many == few


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_others_get_404_for_my_day_and_task_actions(role, request, task, client_for):
    client = client_for(request.getfixturevalue(role))
    if role != "other_link_worker":
        assert client.get(reverse("referrals:my_day")).status_code == 404
    until = (TODAY + dt.timedelta(days=3)).isoformat()
    for name, data in (
        ("task_done", {}),
        ("task_snooze", {"until": until}),
        ("task_reassign", {"assigned_to": task.assigned_to_id}),
    ):
        assert client.post(reverse(f"referrals:{name}", args=[task.pk]), data).status_code == 404
    response = client.post(
        reverse("referrals:task_create", args=[task.person_id]),
        {"kind": TaskKind.OTHER, "due_on": until},
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.snoozed_until is None
    assert Task.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(task, anon_client):
    for url in (
        reverse("referrals:my_day"),
        reverse("referrals:task_done", args=[task.pk]),
    ):
        response = anon_client.post(url) if "done" in url else anon_client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response.url
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_other_team_link_worker_sees_no_task_on_my_day(task, other_link_worker, client_for):
    response = client_for(other_link_worker).get(reverse("referrals:my_day"))
    assert response.status_code == 200
    assert task.person.full_name not in response.content.decode()


# --- changes -----------------------------------------------------------------------------------


def test_mark_done_without_js_redirects_to_my_day(task, link_worker, client_for):
    response = client_for(link_worker).post(reverse("referrals:task_done", args=[task.pk]))
    assert response.status_code == 302 and response.url == reverse("referrals:my_day")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_at is not None


def test_mark_done_back_to_person_page(task, link_worker, client_for):
    response = client_for(link_worker).post(
        reverse("referrals:task_done", args=[task.pk]), {"back": "person"}
    )
    assert response.url == reverse("referrals:person", args=[task.person_id]) + "#tasks"


def test_mark_done_with_htmx_returns_the_row(task, link_worker, client_for):
    response = client_for(link_worker).post(
        reverse("referrals:task_done", args=[task.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert f'id="task-{task.pk}"' in text and "Task marked done." in text
    assert "<html" not in text


def test_snooze_to_future_date(task, link_worker, client_for):
    until = TODAY + dt.timedelta(days=4)
    response = client_for(link_worker).post(
        reverse("referrals:task_snooze", args=[task.pk]), {"until": until.isoformat()}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.snoozed_until == until
    assert my_day(user=link_worker, today=TODAY).this_week == [task]


@pytest.mark.parametrize("until", ["", "not a date", TODAY.isoformat(), "2001-01-01"])
def test_snooze_refuses_today_past_or_bad_dates(until, task, link_worker, client_for):
    client = client_for(link_worker)
    response = client.post(reverse("referrals:task_snooze", args=[task.pk]), {"until": until})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.snoozed_until is None
    page = client.get(response.url).content.decode()
    assert "snooze until" in page.lower()
    htmx = client.post(
        reverse("referrals:task_snooze", args=[task.pk]), {"until": until}, HTTP_HX_REQUEST="true"
    )
    assert "nhsuk-error-message" in htmx.content.decode()


def test_reassign_within_team(task, link_worker, colleague, client_for):
    response = client_for(link_worker).post(
        reverse("referrals:task_reassign", args=[task.pk]), {"assigned_to": colleague.pk}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assigned_to == colleague
    assert my_day(user=colleague, today=TODAY).overdue == [task]


def test_reassign_refuses_other_team_link_worker(task, link_worker, other_link_worker, client_for):
    client = client_for(link_worker)
    response = client.post(
        reverse("referrals:task_reassign", args=[task.pk]), {"assigned_to": other_link_worker.pk}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assigned_to == link_worker
    assert "Choose a link worker" in client.get(response.url).content.decode()


def test_add_task_on_person_page(person, link_worker, client_for):
    due = TODAY - dt.timedelta(days=1)
    response = client_for(link_worker).post(
        reverse("referrals:task_create", args=[person.pk]),
        {"kind": TaskKind.CONTACT_RETRY, "due_on": due.isoformat(), "note": "Try mornings"},
    )
    assert response.status_code == 302
    task = Task.objects.get(person=person)
    assert (task.kind, task.due_on, task.assigned_to, task.created_by, task.note) == (
        TaskKind.CONTACT_RETRY,
        due,
        link_worker,
        link_worker,
        "Try mornings",
    )
    page = client_for(link_worker).get(reverse("referrals:person", args=[person.pk]))
    assert "Try mornings" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "", "due_on": TODAY.isoformat()}, "Choose what needs doing"),
        ({"kind": "nonsense", "due_on": TODAY.isoformat()}, "Select a valid choice"),
        ({"kind": TaskKind.OTHER, "due_on": ""}, "Enter the date it is due"),
        ({"kind": TaskKind.OTHER, "due_on": TODAY.isoformat(), "note": "x" * 201}, "200"),
    ],
)
def test_add_task_bad_input_shows_error_and_saves_nothing(
    data, message, person, link_worker, client_for
):
    response = client_for(link_worker).post(
        reverse("referrals:task_create", args=[person.pk]), data
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "nhsuk-error-summary" in text and message in text
    assert not Task.objects.exists()


def test_done_task_cannot_be_snoozed(task, link_worker, client_for):
    client = client_for(link_worker)
    client.post(reverse("referrals:task_done", args=[task.pk]))
    client.post(
        reverse("referrals:task_snooze", args=[task.pk]),
        {"until": (TODAY + dt.timedelta(days=2)).isoformat()},
    )
    task.refresh_from_db()
    assert task.snoozed_until is None
