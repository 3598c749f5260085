"""Leases of import and metric runs: a run whose worker stopped (its heartbeat older than the
lease) is stale; a new request replaces it, a message delivered again takes it over, the pages
say so; and the Celery settings that make a killed worker's message come back. The test with a
real worker killed half way is test_worker_killed.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from outcomes.imports import runs as import_runs
from outcomes.imports.tasks import import_run
from outcomes.models import MetricSnapshot, Run
from outcomes.services.metric_runs import metric_recompute_start, metric_run_compute
from outcomes.services.run_leases import (
    STOPPED_MESSAGE,
    Claim,
    RunBusyError,
    lease_retry,
    run_claim,
    run_finish,
)
from outcomes.tasks import metric_compute_task, metrics_refresh_task
from socialrx.celery import app
from socialrx.models import LsoaImd
from tests.socialrx.factories import PracticeFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
PARAMS = {"metric": "friends", "start": "2026-01-01", "end": "2026-03-31", "window": 0}
LSOA = b"lsoa_code,imd_decile\nE01000001,3\nE01000002,10\n"


def ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def metric_run(*, status: str, heartbeat: float | None = None, created: float = 0, **kw) -> Run:
    run = Run.objects.create(kind="metric:friends", params=PARAMS, status=status, **kw)
    Run.objects.filter(pk=run.pk).update(
        created_at=ago(created),
        heartbeat_at=None if heartbeat is None else ago(heartbeat),
        started_at=None if status == Run.Status.QUEUED else ago(created),
    )
    run.refresh_from_db()
    return run


def recompute(admin_user) -> Run:
    return metric_recompute_start(metric="friends", start=START, end=END, window=0, by=admin_user)


@pytest.fixture
def lease(settings):
    settings.RUN_LEASE_SECONDS = 60
    settings.RUN_QUEUED_SECONDS = 600
    settings.RUN_MAX_ATTEMPTS = 3
    return settings


# --- what is stale --------------------------------------------------------------------------


def test_stale_means_silent_longer_than_the_lease_or_queued_too_long(lease):
    live = metric_run(status="running", heartbeat=5, created=500)
    silent = metric_run(status="running", heartbeat=61, created=500)
    never_beat = metric_run(status="running", created=61)
    waiting = metric_run(status="queued", created=500)
    lost = metric_run(status="queued", created=601)
    metric_run(status="done", heartbeat=5000, created=5000)
    metric_run(status="failed", heartbeat=5000, created=5000)

    assert set(Run.objects.stale()) == {silent, never_beat, lost}
    assert [r.is_stale() for r in (live, silent, never_beat, waiting, lost)] == [
        False,
        True,
        True,
        False,
        True,
    ]


# --- a new request --------------------------------------------------------------------------


def test_a_new_request_replaces_a_run_whose_worker_stopped(
    lease, admin_user, django_capture_on_commit_callbacks
):
    PracticeFactory()
    stuck = metric_run(status="running", heartbeat=120, created=300, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        run = recompute(admin_user)

    assert run.pk != stuck.pk
    run.refresh_from_db()
    assert run.status == Run.Status.DONE  # tasks run in-process in tests
    stuck.refresh_from_db()
    assert stuck.status == Run.Status.FAILED
    assert stuck.result == {"error": STOPPED_MESSAGE, "stopped": True}
    assert stuck.finished_at is not None


def test_a_new_request_replaces_a_run_queued_too_long(lease, admin_user):
    lost = metric_run(status="queued", created=601)

    run = recompute(admin_user)

    assert run.pk != lost.pk
    lost.refresh_from_db()
    assert lost.status == Run.Status.FAILED and lost.result["stopped"] is True


def test_a_new_request_returns_a_run_whose_worker_is_alive(lease, admin_user):
    alive = metric_run(status="running", heartbeat=30, created=300)
    waiting = metric_run(status="queued", created=300)
    waiting.delete()

    assert recompute(admin_user) == alive
    alive.refresh_from_db()
    assert alive.status == Run.Status.RUNNING
    assert Run.objects.count() == 1


# --- a message delivered again --------------------------------------------------------------


def test_a_message_delivered_again_takes_over_a_stale_run(lease):
    PracticeFactory()
    stale = metric_run(status="running", heartbeat=120, created=300, attempts=1)

    metric_compute_task.delay("friends", START.isoformat(), END.isoformat(), 6, stale.pk)

    stale.refresh_from_db()
    assert stale.status == Run.Status.DONE
    assert stale.attempts == 2
    assert stale.heartbeat_at > ago(30)
    assert MetricSnapshot.objects.filter(metric="friends").exists()


def test_a_message_for_a_run_held_by_a_live_worker_waits_for_the_lease(lease):
    alive = metric_run(status="running", heartbeat=5, created=300, attempts=1)

    with pytest.raises(RunBusyError):
        metric_run_compute(metric="friends", start=START, end=END, window=6, run_id=alive.pk)

    alive.refresh_from_db()
    assert (alive.status, alive.attempts) == (Run.Status.RUNNING, 1)
    assert not MetricSnapshot.objects.exists()
    # The task asks again once the lease may have lapsed, for as long as a job may run.
    retry = lease_retry(30 * 60)
    assert retry["countdown"] > settings.RUN_LEASE_SECONDS
    assert retry["countdown"] * retry["max_retries"] > 30 * 60


def test_a_message_for_a_replaced_run_does_nothing(lease):
    replaced = metric_run(
        status="failed", heartbeat=120, created=300, result={"error": STOPPED_MESSAGE}
    )

    assert (
        metric_compute_task.delay("friends", "2026-01-01", "2026-03-31", 6, replaced.pk).get() == 0
    )

    replaced.refresh_from_db()
    assert replaced.result == {"error": STOPPED_MESSAGE}
    assert not MetricSnapshot.objects.exists()


def test_a_job_that_keeps_killing_its_worker_is_given_up(lease):
    doomed = metric_run(status="running", heartbeat=120, created=900, attempts=3)

    assert run_claim(run_id=doomed.pk) is Claim.FINISHED

    doomed.refresh_from_db()
    assert doomed.status == Run.Status.FAILED
    assert "3 times" in doomed.result["error"]


def test_a_worker_finishing_after_its_run_was_replaced_leaves_the_reason(lease):
    replaced = metric_run(status="failed", result={"error": STOPPED_MESSAGE})

    assert run_finish(run_id=replaced.pk, status=Run.Status.DONE, result={"rows": 3}) is False

    replaced.refresh_from_db()
    assert replaced.status == Run.Status.FAILED
    assert replaced.result == {"error": STOPPED_MESSAGE}


# --- imports --------------------------------------------------------------------------------


def import_run_row(*, status: str, heartbeat: float | None, name: str, attempts: int = 1) -> Run:
    default_storage.save(name, SimpleUploadedFile("x.csv", LSOA))
    run = Run.objects.create(
        kind="lsoa_imd", status=status, params={"file": name}, attempts=attempts
    )
    Run.objects.filter(pk=run.pk).update(
        created_at=ago(300), heartbeat_at=None if heartbeat is None else ago(heartbeat)
    )
    return run


def test_an_import_message_delivered_again_imports_the_stopped_run(lease):
    stale = import_run_row(status="running", heartbeat=120, name="imports/stale.csv")

    import_run.delay(run_id=stale.pk)

    stale.refresh_from_db()
    assert stale.status == Run.Status.DONE
    assert stale.attempts == 2
    assert LsoaImd.objects.count() == 2
    assert not default_storage.exists("imports/stale.csv")


def test_a_new_upload_of_the_kind_ends_a_stopped_import_and_deletes_its_file(
    lease, client_for, admin_user
):
    stale = import_run_row(status="running", heartbeat=120, name="imports/old.csv")
    alive = import_run_row(status="running", heartbeat=5, name="imports/alive.csv")

    client_for(admin_user).post(
        "/manage/imports/", {"kind": "lsoa_imd", "file": SimpleUploadedFile("new.csv", LSOA)}
    )

    stale.refresh_from_db()
    assert stale.status == Run.Status.FAILED
    assert "the worker running it stopped" in stale.result["summary"]
    assert not default_storage.exists("imports/old.csv")
    alive.refresh_from_db()
    assert alive.status == Run.Status.RUNNING
    assert default_storage.exists("imports/alive.csv")
    # A message for the stopped run arriving now imports nothing.
    import_runs.import_run_execute(run_id=stale.pk)
    stale.refresh_from_db()
    assert stale.status == Run.Status.FAILED


# --- pages ----------------------------------------------------------------------------------


def test_the_metric_page_says_a_run_stopped_and_stops_polling(lease, client_for, admin_user):
    stale = metric_run(status="running", heartbeat=120, created=300)
    html = client_for(admin_user).get(f"/outcomes/runs/{stale.pk}/").content.decode()
    assert "Stopped" in html
    assert "Recompute to start it again" in html
    assert "hx-trigger" not in html


def test_the_metric_page_shows_why_a_replaced_run_failed(lease, client_for, admin_user):
    replaced = metric_run(status="failed", result={"error": STOPPED_MESSAGE, "stopped": True})
    html = client_for(admin_user).get(f"/outcomes/runs/{replaced.pk}/").content.decode()
    assert "The worker stopped before the job finished; it has been started again." in html


def test_the_import_pages_say_an_import_stopped(lease, client_for, admin_user):
    stale = import_run_row(status="running", heartbeat=120, name="imports/gone.csv")
    client = client_for(admin_user)
    page = client.get(f"/manage/imports/{stale.pk}/").content.decode()
    assert "The import stopped" in page
    assert "Upload the file again" in page
    assert "hx-trigger" not in page
    listing = client.get("/manage/imports/").content.decode()
    assert "Stopped" in listing


# --- Celery settings ------------------------------------------------------------------------


def test_idempotent_jobs_are_acknowledged_late_and_handed_back_when_their_worker_dies():
    for task in (metric_compute_task, metrics_refresh_task, import_run):
        assert task.acks_late is True, task.name
        assert task.reject_on_worker_lost is True, task.name
    assert app.conf.worker_prefetch_multiplier == 1


def test_the_broker_hands_a_message_back_only_after_the_longest_job_may_have_ended():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    limits = [
        task.time_limit or app.conf.task_time_limit
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    ]
    assert visibility > max(limits) > 0
    assert settings.RUN_HEARTBEAT_SECONDS * 3 <= settings.RUN_LEASE_SECONDS
