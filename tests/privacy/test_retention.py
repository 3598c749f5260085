"""The retention rule: a dry run erases nothing; the run erases only people whose last
referral ended before the cut-off, with none open and no active volunteer record."""

from __future__ import annotations

import datetime as dt
import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from champions.models import Champion
from privacy.models import ErasureReason, ErasureRecord
from privacy.services.retention import retention_apply, retention_cutoff
from privacy.tasks import retention_apply_task
from referrals.models import Person, ReferralStatus
from socialrx.celery import app as celery_app
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _closed(person, *, ended: dt.date, status=ReferralStatus.CLOSED):
    return ReferralFactory(
        person=person, status=status, received_on=ended - dt.timedelta(days=90), closed_on=ended
    )


@pytest.fixture
def people(settings):
    settings.RETENTION_YEARS_AFTER_CLOSURE = 8
    cutoff = retention_cutoff(today=timezone.localdate())
    long_ago = cutoff - dt.timedelta(days=1)
    expired = PersonFactory(given_name="Expired", family_name="Longago")
    _closed(expired, ended=long_ago)
    _closed(expired, ended=long_ago - dt.timedelta(days=1000), status=ReferralStatus.DECLINED)
    still_open = PersonFactory(family_name="Stillopen")
    _closed(still_open, ended=long_ago)
    ReferralFactory(person=still_open, status=ReferralStatus.ACTIVE, received_on=long_ago)
    recent = PersonFactory(family_name="Recent")
    _closed(recent, ended=long_ago)
    _closed(recent, ended=cutoff)  # on the cut-off: not yet
    volunteer = PersonFactory(family_name="Volunteering")
    _closed(volunteer, ended=long_ago)
    Champion.objects.create(person=volunteer, given_name="V", role="health_champion")
    no_referral = PersonFactory(family_name="Noreferral")
    return {
        "expired": expired,
        "kept": [still_open, recent, volunteer, no_referral],
    }


def test_cutoff_is_the_setting_in_years_before_today(settings):
    settings.RETENTION_YEARS_AFTER_CLOSURE = 8
    assert retention_cutoff(today=dt.date(2026, 6, 1)) == dt.date(2018, 6, 1)
    assert retention_cutoff(today=dt.date(2028, 2, 29), years=1) == dt.date(2027, 2, 28)


def test_dry_run_reports_and_erases_nothing(people):
    report = retention_apply(today=timezone.localdate(), dry_run=True)
    assert report.person_ids == [people["expired"].pk]
    assert report.erasures == []
    assert Person.objects.count() == 5
    assert ErasureRecord.objects.count() == 0


def test_run_erases_only_expired_people(people, caplog):
    caplog.set_level(logging.INFO)
    report = retention_apply(today=timezone.localdate(), dry_run=False)

    assert not Person.objects.filter(pk=people["expired"].pk).exists()
    assert set(Person.objects.values_list("pk", flat=True)) == {p.pk for p in people["kept"]}
    (erasure,) = ErasureRecord.objects.all()
    assert report.erasures == [erasure.reference]
    assert erasure.reason_category == ErasureReason.RETENTION
    assert erasure.erased_by is None
    assert erasure.row_counts["referrals.referral"] == 2
    assert "Longago" not in caplog.text and "Expired" not in caplog.text


def test_command_dry_run_lists_ids_only_and_erases_nothing(people):
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"person id {people['expired'].pk}" in text
    assert "Longago" not in text and "Expired" not in text
    assert Person.objects.count() == 5


def test_command_without_dry_run_erases(people):
    out = StringIO()
    call_command("retention", stdout=out)
    assert "1 record(s) erased" in out.getvalue()
    assert Person.objects.count() == 4


def test_beat_runs_the_task_and_it_runs_in_process_without_a_broker(people):
    schedule = celery_app.conf.beat_schedule
    assert schedule["privacy-retention"]["task"] == "privacy.tasks.retention_apply_task"
    result = retention_apply_task.delay()
    assert result.get() == 1
    assert Person.objects.count() == 4
