"""A real Celery worker on Redis: a task sent through the broker is run by a separate worker
process against the same database, and its result comes back."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from socialrx.celery import app
from tests.socialrx.factories import UserFactory


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_redis_and_a_real_worker(broker_url, postgres_required):
    UserFactory.create_batch(3)
    test_db = connection.settings_dict["NAME"]
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socialrx.settings.dev",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{test_db}",
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
            "roundtrip",
            "-n",
            f"roundtrip-{os.getpid()}@%h",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    try:
        app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
        from socialrx.tasks import ping

        result = ping.apply_async(kwargs={"user_count_hint": True}, queue="roundtrip")
        deadline = time.monotonic() + 60
        while not result.ready() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert result.ready(), "the worker did not answer within 60 s"
        assert result.get(timeout=1) == {"pong": True, "users": 3}
    finally:
        app.conf.update(task_always_eager=True)
        worker.terminate()
        worker.wait(timeout=30)
