"""Celery queues (socialrx/celery.py): imports, metric jobs and the nightly jobs go to "bulk";
emails, texts, letters and reminders to "messages"; the rest to "celery". A worker on one queue
takes no task of another, so a long import no longer holds up a reminder (measured below with
real workers)."""

from __future__ import annotations

import socket
import time

import pytest
import redis

from outcomes.tasks import metric_compute_task
from referrals.tasks import feedback_notice_send_task
from socialrx.celery import BULK, DEFAULT_QUEUE, MESSAGES, TASK_QUEUES, app
from socialrx.tasks import ping
from tests.celery_support import celery_worker


def _queue_of(name: str) -> str:
    return str(app.amqp.router.route({}, name)["queue"].name)


def test_every_task_goes_to_its_queue():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    # A new task must be given a queue: the nightly jobs and anything slow belong on "bulk".
    assert ours == set(TASK_QUEUES)
    for name, queue in TASK_QUEUES.items():
        assert _queue_of(name) == queue, name
    assert _queue_of("outcomes.imports.tasks.import_run") == BULK
    assert _queue_of("outcomes.tasks.metric_compute_task") == BULK
    assert _queue_of("referrals.tasks.message_send_task") == MESSAGES
    assert _queue_of("referrals.tasks.appointment_reminders_send_task") == MESSAGES
    assert _queue_of("socialrx.tasks.ping") == DEFAULT_QUEUE
    assert {q.name for q in app.conf.task_queues} == {DEFAULT_QUEUE, BULK, MESSAGES}


def test_every_periodic_job_has_a_queue():
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in TASK_QUEUES


@pytest.mark.django_db
def test_without_a_broker_tasks_still_run_in_process():
    assert app.conf.task_always_eager
    assert ping.delay().get() == {"pong": True, "users": None}


def _wait_ready(queue: str) -> None:
    node = f"{queue}@{socket.gethostname()}"
    deadline = time.monotonic() + 90
    while not app.control.ping(destination=[node], timeout=1):
        assert time.monotonic() < deadline, "the worker did not start within 90 s"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_one_queue_takes_no_task_of_another(broker_url, postgres_required):
    with celery_worker(broker_url, prefix="queues", consumes=(MESSAGES,)) as queue:
        _wait_ready(queue)
        other = ping.apply_async(queue=f"{queue}-{BULK}")
        mine = ping.apply_async(queue=f"{queue}-{MESSAGES}")
        assert mine.get(timeout=60) == {"pong": True, "users": None}
        time.sleep(2)
        assert not other.ready()
        waiting = redis.Redis.from_url(broker_url)
        assert waiting.llen(f"{queue}-{BULK}") == 1
        waiting.delete(f"{queue}-{BULK}")


SLOW_SECONDS = 8


def _message_delay(*, bulk_queue: str, messages_queue: str) -> float:
    """Seconds from sending an email job to its result, sent while a metric job of
    ``SLOW_SECONDS`` runs."""
    metric_compute_task.apply_async(("friends", "2026-01-01", "2026-03-31", 6), queue=bulk_queue)
    time.sleep(1.5)  # the metric job has started
    sent = time.monotonic()
    result = feedback_notice_send_task.apply_async(
        kwargs={"feedback_id": 999_999}, queue=messages_queue
    )
    assert result.get(timeout=60) is False
    return time.monotonic() - sent


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_long_bulk_job_holds_up_messages_only_on_a_shared_worker(broker_url, postgres_required):
    slow = {"module": "tests.outcomes.slow_worker", "extra_env": {"SLOW_METRIC_SECONDS": "8"}}
    with celery_worker(broker_url, prefix="shared", consumes=(BULK, MESSAGES), **slow) as q:
        _wait_ready(q)
        shared = _message_delay(bulk_queue=f"{q}-{BULK}", messages_queue=f"{q}-{MESSAGES}")
    with (
        celery_worker(broker_url, prefix="bulk", consumes=(BULK,), **slow) as bulk,
        celery_worker(broker_url, prefix="messages", consumes=(MESSAGES,)) as messages,
    ):
        _wait_ready(bulk)
        _wait_ready(messages)
        apart = _message_delay(bulk_queue=f"{bulk}-{BULK}", messages_queue=f"{messages}-{MESSAGES}")
    print(f"\nemail job sent during an {SLOW_SECONDS} s metric job: {shared:.2f} s on one shared")
    print(f"worker, {apart:.2f} s with a worker per queue")
    assert shared > SLOW_SECONDS - 3
    assert apart < SLOW_SECONDS / 2
