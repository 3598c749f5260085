"""A real Celery worker on Redis: a task sent through the broker is run by a separate worker
process against the same database, and its result comes back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from socialrx.celery import app
from tests.socialrx.factories import UserFactory


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_redis_and_a_real_worker(broker_url, postgres_required):
    UserFactory.create_batch(3)
    # The test database of this process: under pytest-xdist each worker has its own
    # (test_<name>_gw0, …), and the Celery worker must read the one this test wrote to.
    db = connection.settings_dict
    login = quote(db["USER"], safe="") + (
        f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    )
    # A queue of its own, so that parallel runs sharing one Redis never take each other's task.
    queue = f"roundtrip-{uuid.uuid4().hex}"
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
    try:
        app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
        from socialrx.tasks import ping

        result = ping.apply_async(kwargs={"user_count_hint": True}, queue=queue)
        deadline = time.monotonic() + 60
        while not result.ready() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert result.ready(), "the worker did not answer within 60 s"
        assert result.get(timeout=1) == {"pong": True, "users": 3}

        # Readiness sees the database, Redis and the live worker consuming the default queue
        # (here the test's own queue stands for it).
        app.conf.update(task_default_queue=queue)
        with override_settings(
            CELERY_BROKER_URL=broker_url, CELERY_TASK_ALWAYS_EAGER=False, REDIS_URL=""
        ):
            ready = Client().get("/readyz")
        assert ready.status_code == 200, ready.content
        assert ready.json()["checks"] == {
            "database": "ok",
            "redis": "ok",
            "celery_worker": "ok",
        }
    finally:
        app.conf.update(task_always_eager=True, task_default_queue="celery")
        worker.terminate()
        worker.wait(timeout=30)
