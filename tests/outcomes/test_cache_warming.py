"""The metric job warms the dashboards' caches: the first commissioner to look after a
computation finds suppression and the overview's cards already worked out."""

from __future__ import annotations

import datetime as dt
import logging
from unittest import mock

import pytest
from django.test import override_settings

import outcomes.services.warming as warming
import outcomes.suppression as suppression
from outcomes.models import Run
from outcomes.tasks import metric_compute_task
from tests.outcomes.factories import PersonFactory, RunFactory
from tests.referrals.factories import FriendsObservationFactory
from tests.socialrx.factories import PracticeFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
PERIOD = "period=2026-01-01%2F2026-03-31"
PAGES = (
    f"/outcomes/metrics/friends/?{PERIOD}",
    f"/outcomes/metrics/friends/csv/?{PERIOD}",
    "/outcomes/",
    f"/outcomes/?{PERIOD}",
    "/outcomes/metrics/friends/trend/",
    "/api/v1/metrics/friends/?start=2026-01-01&end=2026-03-31",
)


@pytest.fixture
def friends_data():
    PracticeFactory(ods_code="F00001")
    for count in range(9):
        person = PersonFactory()
        FriendsObservationFactory(person=person, observed_on=dt.date(2025, 10, 1), friends_count=1)
        FriendsObservationFactory(
            person=person, observed_on=dt.date(2026, 2, 1), friends_count=count
        )


def _compute(capture, **kwargs) -> int:
    with capture(execute=True):
        return metric_compute_task("friends", START.isoformat(), END.isoformat(), **kwargs)


def _calls(client, url: str) -> list:
    with mock.patch.object(suppression, "rows_present", wraps=suppression.rows_present) as rp:
        assert client.get(url).status_code == 200
    return rp.call_args_list


@pytest.mark.parametrize("url", PAGES)
def test_pages_after_a_computation_find_suppression_worked_out(
    friends_data, client_for, commissioner, django_capture_on_commit_callbacks, url
):
    assert _compute(django_capture_on_commit_callbacks) > 0
    assert _calls(client_for(commissioner), url) == []


def test_a_run_warms_before_it_is_marked_done(
    friends_data, client_for, commissioner, django_capture_on_commit_callbacks
):
    run = RunFactory(kind="metric:friends", status=Run.Status.QUEUED)
    assert _compute(django_capture_on_commit_callbacks, run_id=run.pk) > 0
    run.refresh_from_db()
    assert run.status == Run.Status.DONE
    assert _calls(client_for(commissioner), f"/outcomes/metrics/friends/?{PERIOD}") == []


def test_the_administrators_exact_view_is_worked_out_on_its_own(
    friends_data, client_for, admin_user, django_capture_on_commit_callbacks
):
    _compute(django_capture_on_commit_callbacks)
    calls = _calls(client_for(admin_user), f"/outcomes/metrics/friends/?{PERIOD}")
    assert calls and all(c.kwargs["exact"] is True for c in calls)


def test_a_warming_failure_does_not_fail_the_job(
    friends_data, caplog, client_for, commissioner, django_capture_on_commit_callbacks
):
    run = RunFactory(kind="metric:friends", status=Run.Status.QUEUED)
    broken = mock.patch.object(warming, "snapshot_rows_list", side_effect=RuntimeError("x"))
    with broken, caplog.at_level(logging.WARNING, logger=warming.__name__):
        assert _compute(django_capture_on_commit_callbacks, run_id=run.pk) > 0
    run.refresh_from_db()
    assert run.status == Run.Status.DONE
    assert "could not warm the dashboards' caches (RuntimeError)" in caplog.text
    # The page works it out itself, as it did before.
    assert len(_calls(client_for(commissioner), f"/outcomes/metrics/friends/?{PERIOD}")) == 1


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_nothing_is_warmed_without_a_cache(friends_data, django_capture_on_commit_callbacks):
    with mock.patch.object(warming, "snapshot_rows_list") as rows:
        assert _compute(django_capture_on_commit_callbacks) > 0
    assert rows.call_count == 0
