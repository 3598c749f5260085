"""Leases of the Runs of long jobs (imports, metric computations), so that a job whose worker
was killed half way neither blocks the next request nor stays "running" for ever.

A worker takes a Run on with ``run_claim`` and keeps it alive with ``run_heartbeat`` (a
background thread touching ``heartbeat_at`` every ``RUN_HEARTBEAT_SECONDS``, whatever the job
is doing: a single long query still counts as alive). Once the heartbeat is older than
``RUN_LEASE_SECONDS`` the Run is stale (``Run.objects.stale()``): a message delivered again
(``acks_late``) may take it over, and a new request may mark it failed and start afresh.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from outcomes.models import Run

logger = logging.getLogger(__name__)

STOPPED_MESSAGE = "The worker stopped before the job finished; it has been started again."


class Claim(enum.Enum):
    CLAIMED = "claimed"  # this worker runs the job now
    BUSY = "busy"  # another worker holds a live lease: look again once it may have lapsed
    FINISHED = "finished"  # done, failed or given up: nothing to do


class RunBusyError(Exception):
    """The Run is held by a worker whose lease has not lapsed (a message delivered again at
    once, because its worker was lost): the task should look again after the lease."""


def run_claim(*, run_id: int) -> Claim:
    """Take a Run on: a queued one, or a running one whose lease has lapsed. A Run already
    taken on ``RUN_MAX_ATTEMPTS`` times is marked failed instead, so a job that kills its
    worker every time is not delivered for ever."""
    now = timezone.now()
    with transaction.atomic():
        run = Run.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in (Run.Status.DONE, Run.Status.FAILED):
            return Claim.FINISHED
        if run.status == Run.Status.RUNNING and not run.is_stale(now=now):
            return Claim.BUSY
        if run.attempts >= settings.RUN_MAX_ATTEMPTS:
            run.status = Run.Status.FAILED
            run.finished_at = now
            run.result = {
                **(run.result or {}),
                "error": f"The job stopped its worker {run.attempts} times and was given up.",
            }
            run.save(update_fields=["status", "finished_at", "result"])
            return Claim.FINISHED
        if run.attempts:
            logger.warning("run %s: taking over after its worker stopped", run.pk)
        run.status = Run.Status.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.attempts += 1
        run.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    return Claim.CLAIMED


def run_finish(*, run_id: int, status: str, **fields: object) -> bool:
    """Record a job's end, unless its Run was meanwhile declared stale and replaced (then the
    Run keeps saying why it stopped). Returns whether the Run was updated."""
    return bool(
        Run.objects.filter(pk=run_id, status=Run.Status.RUNNING).update(
            status=status, finished_at=timezone.now(), **fields
        )
    )


def _beat(run_id: int) -> None:
    Run.objects.filter(pk=run_id, status=Run.Status.RUNNING).update(heartbeat_at=timezone.now())


@contextmanager
def run_heartbeat(*, run_id: int, every: float | None = None) -> Iterator[None]:
    """Keep the Run's lease while the block runs. On PostgreSQL a daemon thread, with its own
    connection, touches ``heartbeat_at`` every ``RUN_HEARTBEAT_SECONDS``: the job's connection
    may sit inside one long transaction, whose writes no one else would see. Elsewhere (SQLite:
    a laptop, where jobs run in the request) there is one beat at the start, the claim's."""
    if connection.vendor != "postgresql":
        yield
        return
    interval = every if every is not None else settings.RUN_HEARTBEAT_SECONDS
    stop = threading.Event()

    def beat() -> None:
        from django.db import connection as own

        try:
            while not stop.wait(interval):
                try:
                    _beat(run_id)
                except DatabaseError:
                    # A missed beat only brings the lease's end nearer; the next one may work.
                    logger.warning("run %s: heartbeat not recorded", run_id, exc_info=True)
        finally:
            own.close()

    thread = threading.Thread(target=beat, name=f"run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def lease_retry(time_limit: int) -> dict[str, int]:
    """``Task.retry`` options for a task that found its Run held (``RunBusyError``): look again
    once the lease may have lapsed, for as long as the job holding it may run."""
    countdown = settings.RUN_LEASE_SECONDS + settings.RUN_HEARTBEAT_SECONDS
    return {"countdown": countdown, "max_retries": time_limit // countdown + 2}
