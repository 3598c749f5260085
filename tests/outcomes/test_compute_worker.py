"""Figures computed on request by a real Celery worker on Redis (as in production), not in
the request: the commissioner's page shows the job queued, and the figures once the worker
has run it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from outcomes.models import Run
from outcomes.tasks import metric_compute_task
from socialrx.celery import app


@contextmanager
def _worker(broker_url: str) -> Iterator[str]:
    """A worker process on a queue of its own, reading this test's database; yields the
    queue's name."""
    db = connection.settings_dict
    login = quote(db["USER"], safe="") + (
        f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    )
    queue = f"compute-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socialrx.settings.dev",
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "socialrx",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
    try:
        yield queue
    finally:
        app.conf.update(task_always_eager=True)
        worker.terminate()
        worker.wait(timeout=30)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_period_asked_for_is_computed_by_the_worker(
    broker_url, postgres_required, client_for, commissioner
):
    client = client_for(commissioner)
    with _worker(broker_url) as queue:

        def send(*args: object) -> object:
            return metric_compute_task.apply_async(args, queue=queue)

        with mock.patch.object(metric_compute_task, "delay", send):
            response = client.post(
                "/outcomes/metrics/friends/compute/", {"period": "2024-02-10/2024-05-20"}
            )
        assert response.status_code == 302
        run = Run.objects.get()
        deadline = time.monotonic() + 60
        while run.status not in (Run.Status.DONE, Run.Status.FAILED):
            assert time.monotonic() < deadline, "the worker did not finish within 60 s"
            time.sleep(0.5)
            run.refresh_from_db()
    assert run.status == Run.Status.DONE, run.result
    html = client.get(response["Location"]).content.decode()
    assert 'id="figures"' in html
    assert "Compute these figures" not in html
