"""A real Celery worker killed (SIGKILL, the whole process group) half way through a metric
job, against Redis and PostgreSQL: its Run stops beating and goes stale, a new request marks it
failed and starts a fresh run that a second worker completes; and, with no new request, the
unacknowledged message comes back (acks_late) and the second worker takes the Run over."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from outcomes.models import MetricSnapshot, Run
from outcomes.services.metric_runs import metric_recompute_start
from outcomes.services.run_leases import STOPPED_MESSAGE
from outcomes.tasks import metric_compute_task
from socialrx.celery import app
from tests.socialrx.factories import PracticeFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
LEASE = 3  # seconds, in this process and the workers
TIMEOUT = 45  # seconds for any one wait


def wait_for(what: str, check: Callable[[], bool], *, log: Path | None = None) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    pytest.fail(f"{what}: not within {TIMEOUT} s\n{tail}")


class Workers:
    """Celery workers in their own process groups, on a queue of this test's own (parallel runs
    sharing one Redis never take each other's messages), reading this test's database."""

    def __init__(self, broker_url: str, tmp_path: Path) -> None:
        self.broker_url = broker_url
        self.tmp_path = tmp_path
        self.queue = f"killed-{uuid.uuid4().hex}"
        self.started: list[subprocess.Popen[bytes]] = []
        db = connection.settings_dict
        login = quote(db["USER"], safe="") + (
            f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
        )
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "socialrx.settings.dev",
            # The test database of this process (under xdist, test_<name>_gw0, …).
            "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": broker_url,
            "RUN_LEASE_SECONDS": str(LEASE),
            "RUN_HEARTBEAT_SECONDS": "1",
        }

    def start(self, name: str, *, slow: bool, visibility_timeout: int = 3600) -> Path:
        log = self.tmp_path / f"{name}.log"
        program = ["-m", "tests.outcomes.slow_worker"] if slow else ["-m", "celery"]
        process = subprocess.Popen(
            [
                sys.executable,
                *program,
                "-A",
                "socialrx",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                "-Q",
                self.queue,
                "-n",
                f"{name}-{self.queue}@%h",
            ],
            env={
                **self.env,
                "SLOW_METRIC_SECONDS": "300",
                # A message not acknowledged for this long goes back on its queue; the worker
                # looks for such messages as it starts.
                "CELERY_BROKER_VISIBILITY_TIMEOUT": str(visibility_timeout),
            },
            cwd=django_settings.BASE_DIR,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that it can be killed whole
        )
        self.started.append(process)
        return log

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.started:
            with contextlib.suppress(ProcessLookupError):
                self.kill(process)
        import redis

        client = redis.Redis.from_url(self.broker_url)
        client.delete(self.queue)
        client.close()


@pytest.fixture
def workers(broker_url, postgres_required, tmp_path, settings) -> Iterator[Workers]:
    settings.RUN_LEASE_SECONDS = LEASE
    settings.RUN_HEARTBEAT_SECONDS = 1
    pool = Workers(broker_url, tmp_path)
    app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
    try:
        # Metric jobs go to this test's queue (a task's options are read once, then kept).
        task = app.tasks[metric_compute_task.name]
        with (
            mock.patch.object(task, "queue", pool.queue, create=True),
            mock.patch.object(task, "_exec_options", None),
        ):
            yield pool
    finally:
        app.conf.update(task_always_eager=True)
        pool.stop_all()


def recompute(by) -> Run:
    return metric_recompute_start(metric="demand", start=START, end=END, window=6, by=by)


def start_and_kill_half_way(workers: Workers, admin_user) -> Run:
    """Start a demand recomputation on a slow worker, see it beat, then kill the worker."""
    PracticeFactory()
    log = workers.start("slow", slow=True)
    run = recompute(admin_user)

    def beating() -> bool:
        run.refresh_from_db()
        return (
            run.status == Run.Status.RUNNING
            and run.heartbeat_at is not None
            and run.heartbeat_at > run.started_at + dt.timedelta(seconds=1)
        )

    wait_for("the slow worker starts the job and beats", beating, log=log)
    workers.kill(workers.started[0])
    # Until the lease lapses, the run still counts as alive: a request returns it.
    assert recompute(admin_user).pk == run.pk
    wait_for("the run goes stale", lambda: Run.objects.stale().filter(pk=run.pk).exists())
    run.refresh_from_db()
    assert run.status == Run.Status.RUNNING and run.attempts == 1
    assert not MetricSnapshot.objects.exists()
    return run


def test_a_killed_worker_leaves_a_stale_run_and_a_new_request_starts_afresh(workers, admin_user):
    stuck = start_and_kill_half_way(workers, admin_user)

    fresh = recompute(admin_user)

    assert fresh.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.status == Run.Status.FAILED
    assert stuck.result["error"] == STOPPED_MESSAGE
    # A second worker runs the new job (and finds the old message, handed back, done with).
    log = workers.start("second", slow=False, visibility_timeout=1)

    def done() -> bool:
        fresh.refresh_from_db()
        return fresh.status in (Run.Status.DONE, Run.Status.FAILED)

    wait_for("the second worker completes the new run", done, log=log)
    assert fresh.status == Run.Status.DONE, fresh.result
    assert fresh.result["rows"] == MetricSnapshot.objects.filter(metric="demand").count() > 0
    stuck.refresh_from_db()
    assert stuck.status == Run.Status.FAILED
    assert stuck.result["error"] == STOPPED_MESSAGE


def test_a_killed_workers_message_comes_back_and_takes_the_stale_run_over(workers, admin_user):
    stuck = start_and_kill_half_way(workers, admin_user)

    # No new request: the message, never acknowledged, goes back on the queue once it has been
    # out longer than the visibility timeout, and the second worker takes the stale run over.
    log = workers.start("second", slow=False, visibility_timeout=1)

    def done() -> bool:
        stuck.refresh_from_db()
        return stuck.status in (Run.Status.DONE, Run.Status.FAILED)

    wait_for("the message comes back and the run completes", done, log=log)
    assert stuck.status == Run.Status.DONE, stuck.result
    assert stuck.attempts == 2
    assert MetricSnapshot.objects.filter(metric="demand").count() == stuck.result["rows"] > 0
    assert Run.objects.count() == 1
