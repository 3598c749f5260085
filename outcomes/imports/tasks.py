"""Celery tasks for imports: thin, ids only, safe to deliver twice (see runs.py)."""

from __future__ import annotations

from collections.abc import Callable

from celery import Task, shared_task

# A full-scale appointments file (24 million rows) takes minutes; leave hours of room.
IMPORT_TIME_LIMIT = 4 * 60 * 60


# An import is all or nothing in one transaction and its Run is claimed, so a worker dying
# half way leaves nothing behind and the message can be delivered again (acks_late,
# reject_on_worker_lost): the next delivery takes the Run over once its lease has lapsed.
IMPORT_TASK = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "time_limit": IMPORT_TIME_LIMIT,
    "soft_time_limit": IMPORT_TIME_LIMIT - 60,
}


def _execute_leased(task: Task, execute: Callable[..., None], run_id: int) -> None:
    """Run the import; if another delivery still holds the Run's lease, try again later."""
    from outcomes.services.run_leases import RunBusyError, lease_retry

    try:
        execute(run_id=run_id)
    except RunBusyError as busy:
        raise task.retry(exc=busy, **lease_retry(IMPORT_TIME_LIMIT)) from None


@shared_task(**IMPORT_TASK)
def import_run(self: Task, *, run_id: int) -> None:
    from .runs import import_run_execute

    _execute_leased(self, import_run_execute, run_id)


@shared_task(**IMPORT_TASK)
def openreferral_run(self: Task, *, run_id: int) -> None:
    """Import an Open Referral UK v3 feed (outcomes/imports/openreferral.py)."""
    from .openreferral import openreferral_execute

    _execute_leased(self, openreferral_execute, run_id)
