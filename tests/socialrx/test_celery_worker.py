"""A real Celery worker on Redis: a task sent through the broker is run by a separate worker
process against the same database, and its result comes back."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings
from kombu import Queue

from socialrx.celery import app
from tests.celery_support import celery_worker
from tests.socialrx.factories import UserFactory


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_redis_and_a_real_worker(broker_url, postgres_required):
    UserFactory.create_batch(3)
    with celery_worker(broker_url, prefix="roundtrip") as queue:
        from socialrx.tasks import ping

        result = ping.apply_async(kwargs={"user_count_hint": True}, queue=queue)
        deadline = time.monotonic() + 60
        while not result.ready() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert result.ready(), "the worker did not answer within 60 s"
        assert result.get(timeout=1) == {"pong": True, "users": 3}

        # Readiness sees the database, Redis and a live worker on every queue (here the test's
        # own queue stands for them all); a queue no worker consumes makes it unavailable.
        queues = app.conf.task_queues
        try:
            with override_settings(
                CELERY_BROKER_URL=broker_url, CELERY_TASK_ALWAYS_EAGER=False, REDIS_URL=""
            ):
                app.conf.update(task_queues=[Queue(queue)])
                ready = Client().get("/readyz")
                app.conf.update(task_queues=[Queue(queue), Queue(f"{queue}-bulk")])
                unready = Client().get("/readyz")
        finally:
            app.conf.update(task_queues=queues)
        assert ready.status_code == 200, ready.content
        assert ready.json()["checks"] == {
            "database": "ok",
            "redis": "ok",
            "celery_worker": "ok",
        }
        assert unready.status_code == 503
        assert unready.json()["checks"]["celery_worker"] == "unavailable"
