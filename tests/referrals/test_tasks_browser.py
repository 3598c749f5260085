""" "My day" in a real browser: the buttons work in place with htmx, and axe-core passes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Task, TaskKind, TaskStatus
from tests.conftest import assert_accessible, login
from tests.referrals.factories import PersonFactory, ReferralFactory, TaskFactory
from tests.socialrx.factories import LinkWorkerFactory, PracticeFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_my_day_mark_done_and_snooze_in_place(page):
    team = TeamFactory(code="day-team")
    practice = PracticeFactory(ods_code="DY001", team=team)
    worker = LinkWorkerFactory(username="lw_day", first_name="Dee", last_name="Day", team=team)
    person = PersonFactory(
        practice=practice, link_worker=worker, given_name="Rosa", family_name="Hart"
    )
    ReferralFactory(person=person, link_worker=worker, received_on=timezone.localdate())
    today = timezone.localdate()
    overdue = TaskFactory(
        person=person, kind=TaskKind.CONTACT_RETRY, due_on=today - dt.timedelta(days=2)
    )
    due = TaskFactory(person=person, kind=TaskKind.GOAL_REVIEW, due_on=today)

    login(page, "lw_day")
    page.wait_for_url("**/my-day/")
    expect(page.locator("#tasks-overdue")).to_contain_text("Rosa Hart")
    expect(page.locator("#waiting-referrals")).to_contain_text("Rosa Hart")
    assert_accessible(page)

    row = page.locator(f"#task-{overdue.pk}")
    row.get_by_role("button", name="Mark done").click()
    expect(page.locator(f"#task-{overdue.pk}")).to_contain_text("Task marked done.")
    assert Task.objects.get(pk=overdue.pk).status == TaskStatus.DONE

    row = page.locator(f"#task-{due.pk}")
    row.locator("summary").click()
    row.get_by_label("Snooze until").fill(today.isoformat())
    row.get_by_role("button", name="Snooze").click()
    expect(page.locator(f"#task-{due.pk} .nhsuk-error-message")).to_contain_text("future")
    assert Task.objects.get(pk=due.pk).snoozed_until is None
    assert_accessible(page)
